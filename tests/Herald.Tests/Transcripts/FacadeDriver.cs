using System.Text;
using Herald.Engine;
using Herald.Tests.Infrastructure;
using Herald.Transport;
using Xunit;

namespace Herald.Tests.Transcripts;

/// <summary>The two public facades a transcript can drive.</summary>
public enum Facade
{
    /// <summary><see cref="Herald.Smtp"/> (IPWorks model).</summary>
    Smtp,
    /// <summary><see cref="Herald.SmtpClient"/> (SecureBlackbox model).</summary>
    SmtpClient,
}

/// <summary>When a driven facade starts TLS.</summary>
public enum DriverTls
{
    /// <summary>Plaintext.</summary>
    None,
    /// <summary>STARTTLS required.</summary>
    StartTls,
}

/// <summary>The facades times the six replay modes, as xunit member data.</summary>
public static class FacadeModes
{
    /// <summary>Both facades in all six modes.</summary>
    public static TheoryData<Facade, ReplayMode> All
    {
        get
        {
            var data = new TheoryData<Facade, ReplayMode>();
            foreach (var facade in Enum.GetValues<Facade>())
            {
                foreach (var mode in Enum.GetValues<ReplayMode>())
                {
                    data.Add(facade, mode);
                }
            }
            return data;
        }
    }

    /// <summary>SmtpClient alone in all six modes: for a transcript whose Smtp test checks Smtp-only settings as well, so
    /// that it is not run twice for Smtp.</summary>
    public static TheoryData<Facade, ReplayMode> ClientOnly
    {
        get
        {
            var data = new TheoryData<Facade, ReplayMode>();
            foreach (var mode in Enum.GetValues<ReplayMode>())
            {
                data.Add(Facade.SmtpClient, mode);
            }
            return data;
        }
    }

    /// <summary>Both facades, sync and async with whole reads only (see <see cref="ReplayModes.Whole"/>).</summary>
    public static TheoryData<Facade, ReplayMode> Whole
    {
        get
        {
            var data = new TheoryData<Facade, ReplayMode>();
            foreach (var facade in Enum.GetValues<Facade>())
            {
                data.Add(facade, ReplayMode.SyncWhole);
                data.Add(facade, ReplayMode.AsyncWhole);
            }
            return data;
        }
    }
}

/// <summary>
/// The protocol operations a transcript test needs, in words both facades share, so that one transcript proves the
/// behaviour of both: Smtp sets its message properties and calls Send (which connects and disconnects around the
/// message when not connected); SmtpClient sends the same bytes with SendBytes, its envelope taken from the message's
/// header fields (the Bcc field is dropped on the way, as RemoveBCC says), opening and ending the session around it
/// when not connected, as Smtp does.
/// </summary>
internal interface IFacadeDriver : IDisposable
{
    /// <summary>Which facade this is.</summary>
    Facade Facade { get; }

    /// <summary>The message: addresses as lists, an ASCII subject and body.</summary>
    void SetMessage(string from, string to, string cc = "", string bcc = "", string subject = "Hi", string body = "Hello.\r\n");

    /// <summary>Log in with <paramref name="mechanism"/> (a SASL name as on the wire); for XOAUTH2 and OAUTHBEARER the
    /// secret is the access token.</summary>
    void SetAuth(string user, string secret, string mechanism);

    /// <summary>When TLS starts.</summary>
    void SetTls(DriverTls tls);

    /// <summary>The server's host name (default localhost).</summary>
    void SetServer(string host);

    /// <summary>A Config setting both facades know by the same name.</summary>
    void Config(string setting);

    /// <summary>Routes connections through <paramref name="factory"/> (a recorder around the replay).</summary>
    void UseTransport(ITransportFactory factory);

    Task Connect(bool isAsync);

    Task Disconnect(bool isAsync);

    /// <summary>Sends the message, connecting first (and disconnecting after) when not connected.</summary>
    Task Send(bool isAsync);

    /// <summary>True while a session is open.</summary>
    bool Connected { get; }

    /// <summary>The last reply (lines joined by CRLF); after a send that opened its own session, the answer to the
    /// message rather than the goodbye.</summary>
    string LastReply { get; }

    /// <summary>The protocol trace as "0: client line", "1: server line", "2: note".</summary>
    List<string> Trace { get; }

    /// <summary>The non-fatal errors as "code: description".</summary>
    List<string> Errors { get; }
}

/// <summary>Makes drivers.</summary>
internal static class FacadeDriver
{
    /// <summary>The Message-ID every driven message carries.</summary>
    private const string FixedId = "<1@client.test>";

    /// <summary>A driver for <paramref name="facade"/> wired to <paramref name="factory"/>, greeting as client.test.</summary>
    public static IFacadeDriver Create(Facade facade, ITransportFactory factory) =>
        facade == Facade.Smtp ? new SmtpDriver(factory) : new SmtpClientDriver(factory);

    /// <summary>Runs a transcript through a facade in one mode.</summary>
    public static Task Run(string file, Facade facade, ReplayMode mode, Action<IFacadeDriver> configure,
        Func<IFacadeDriver, bool, Task> act) =>
        TranscriptRunner.RunAsync($"Transcripts/{file}", mode, factory =>
        {
            var driver = Create(facade, factory);
            configure(driver);
            return driver;
        }, async (driver, isAsync) =>
        {
            using (driver)
            {
                await act(driver, isAsync);
            }
        });

    /// <summary>As <see cref="Run"/> with a configuration that may adjust the replay (for example its RemoteAddress).</summary>
    public static Task RunWithFactory(string file, Facade facade, ReplayMode mode, Action<IFacadeDriver, ReplayTransportFactory> configure,
        Func<IFacadeDriver, bool, Task> act) =>
        TranscriptRunner.RunAsync($"Transcripts/{file}", mode, factory =>
        {
            var driver = Create(facade, factory);
            configure(driver, factory);
            return driver;
        }, async (driver, isAsync) =>
        {
            using (driver)
            {
                await act(driver, isAsync);
            }
        });

    /// <summary>As <see cref="Run"/>, and the action also sees every write the client made.</summary>
    public static Task RunRecorded(string file, Facade facade, ReplayMode mode, Action<IFacadeDriver> configure,
        Func<IFacadeDriver, bool, RecordingTransportFactory, Task> act) =>
        TranscriptRunner.RunAsync($"Transcripts/{file}", mode, factory =>
        {
            var driver = Create(facade, factory);
            var recorder = new RecordingTransportFactory(factory);
            driver.UseTransport(recorder);
            configure(driver);
            return (driver, recorder);
        }, async (pair, isAsync) =>
        {
            using (pair.driver)
            {
                await act(pair.driver, isAsync, pair.recorder);
            }
        });

    /// <summary>Send that must fail.</summary>
    public static async Task<SmtpException> SendFails(IFacadeDriver driver, bool isAsync) =>
        await Assert.ThrowsAsync<SmtpException>(() => driver.Send(isAsync));

    /// <summary>Connect that must fail.</summary>
    public static async Task<SmtpException> ConnectFails(IFacadeDriver driver, bool isAsync) =>
        await Assert.ThrowsAsync<SmtpException>(() => driver.Connect(isAsync));

    private sealed class SmtpDriver : IFacadeDriver
    {
        private readonly Smtp _smtp;

        public SmtpDriver(ITransportFactory factory)
        {
            _smtp = SmtpTranscriptTests.NewSmtp((ReplayTransportFactory)factory);
            _smtp.OnPITrail += (_, e) => Trace.Add($"{e.Direction}: {e.Message}");
            _smtp.OnError += (_, e) => Errors.Add($"{e.ErrorCode}: {e.Description}");
        }

        public Facade Facade => Facade.Smtp;

        public List<string> Trace { get; } = [];

        public List<string> Errors { get; } = [];

        public bool Connected => _smtp.Connected;

        public string LastReply => _smtp.LastReply;

        public void SetMessage(string from, string to, string cc = "", string bcc = "", string subject = "Hi", string body = "Hello.\r\n")
        {
            _smtp.From = from;
            _smtp.SendTo = to;
            if (cc.Length > 0)
            {
                _smtp.Cc = cc;
            }
            if (bcc.Length > 0)
            {
                _smtp.BCc = bcc;
            }
            _smtp.Subject = subject;
            _smtp.MessageText = body;
        }

        public void SetAuth(string user, string secret, string mechanism)
        {
            _smtp.User = user;
            bool token = mechanism is "XOAUTH2" or "OAUTHBEARER";
            _smtp.Password = token ? "" : secret;
            if (token)
            {
                _smtp.Config("AuthorizationIdentity=" + secret);
            }
            _smtp.AuthMechanism = mechanism switch
            {
                "PLAIN" => SmtpAuthMechanisms.amSASLPlain,
                "LOGIN" => SmtpAuthMechanisms.amLogin,
                "CRAM-MD5" => SmtpAuthMechanisms.amCRAMMD5,
                "DIGEST-MD5" => SmtpAuthMechanisms.amSASLDigestMD5,
                "SCRAM-SHA-1" => SmtpAuthMechanisms.amSCRAMSHA1,
                "SCRAM-SHA-256" => SmtpAuthMechanisms.amSCRAMSHA256,
                "NTLM" => SmtpAuthMechanisms.amNTLM,
                "GSSAPI" => SmtpAuthMechanisms.amKerberos,
                "XOAUTH2" => SmtpAuthMechanisms.amXOAUTH2,
                "OAUTHBEARER" => SmtpAuthMechanisms.amOAuthBearer,
                _ => SmtpAuthMechanisms.amUserPassword,
            };
            if (mechanism.Contains(',', StringComparison.Ordinal) && mechanism != "PLAIN,LOGIN")
            {
                _smtp.Config("AuthMechanisms=" + mechanism); // an ordered list
            }
        }

        public void SetTls(DriverTls tls) =>
            _smtp.SSLStartMode = tls == DriverTls.StartTls ? SmtpSSLStartModes.sslExplicit : SmtpSSLStartModes.sslNone;

        public void SetServer(string host) => _smtp.MailServer = host;

        public void Config(string setting) => _smtp.Config(setting);

        public void UseTransport(ITransportFactory factory) => _smtp.Settings.TransportFactory = factory;

        public Task Connect(bool isAsync) => SmtpTranscriptTests.Call(isAsync, _smtp.Connect, () => _smtp.ConnectAsync());

        public Task Disconnect(bool isAsync) => SmtpTranscriptTests.Call(isAsync, _smtp.Disconnect, () => _smtp.DisconnectAsync());

        public Task Send(bool isAsync) => SmtpTranscriptTests.Send(_smtp, isAsync);

        public void Dispose() => _smtp.Dispose();
    }

    private sealed class SmtpClientDriver : IFacadeDriver
    {
        private readonly SmtpClient _client = new();
        private readonly List<string> _reply = [];    // the lines of the reply being read
        private byte[] _message = [];
        private string _lastReply = "";
        private string _beforeQuit = "";             // the last reply before a QUIT the client sent on its own
        private bool _quitByClient;                  // the last command was a QUIT the test did not ask for
        private bool _disconnecting;                 // the test called Disconnect
        private string _host = "localhost";

        public SmtpClientDriver(ITransportFactory factory)
        {
            _client.TransportFactory = factory;
            _client.Domain = "client.test";
            _client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
            _client.Command += (_, e) =>
            {
                Trace.Add("0: " + e.Command);
                // Like Smtp's LastReply, the goodbye after a failed call does not replace the answer that failed it.
                _quitByClient = e.Command == "QUIT" && !_disconnecting;
                if (_quitByClient)
                {
                    _beforeQuit = _lastReply;
                }
            };
            _client.CommandData += (_, e) => Trace.Add("0: " + e.Data);
            _client.CommandReply += (_, e) =>
            {
                Trace.Add("1: " + e.Reply);
                _reply.Add(e.Reply);
                if (e.Reply.Length <= 3 || e.Reply[3] != '-')
                {
                    _lastReply = string.Join("\r\n", _reply);
                    _reply.Clear();
                }
            };
            _client.Notification += (_, e) =>
            {
                if (e.EventId == "Info")
                {
                    Trace.Add("2: " + e.EventParam);
                }
            };
            _client.Error += (_, e) => Errors.Add($"{e.ErrorCode}: {e.Description}");
        }

        public Facade Facade => Facade.SmtpClient;

        public List<string> Trace { get; } = [];

        public List<string> Errors { get; } = [];

        public bool Connected => _client.ConnInfo.ConnectionEstablished;

        public string LastReply => _quitByClient ? _beforeQuit : _lastReply;

        public void SetMessage(string from, string to, string cc = "", string bcc = "", string subject = "Hi", string body = "Hello.\r\n")
        {
            // The header block Smtp would write for the same message (and the Bcc field it never writes, which
            // SmtpClient must drop), so the bytes on the wire are the transcript's.
            using var smtp = new Smtp
            {
                From = from, SendTo = to, Subject = subject, MessageDate = SmtpTranscriptTests.FixedDate, MessageId = FixedId,
            };
            if (cc.Length > 0)
            {
                smtp.Cc = cc;
            }
            smtp.MessageText = body;
            string fields = smtp.MessageHeadersString[..^2]; // without the empty line that ends the block
            _message = Encoding.UTF8.GetBytes(fields + (bcc.Length > 0 ? $"Bcc: {bcc}\r\n" : "") + "\r\n" + body);
        }

        public void SetAuth(string user, string secret, string mechanism)
        {
            _client.Username = user;
            _client.Password = secret;
            _client.Config("Authentications=" + mechanism);
        }

        public void SetTls(DriverTls tls) =>
            _client.TLS.TLSMode = tls == DriverTls.StartTls ? SmtpClientTlsMode.ExplicitTls : SmtpClientTlsMode.NoTls;

        public void SetServer(string host) => _host = host;

        public void Config(string setting) => _client.Config(setting);

        public void UseTransport(ITransportFactory factory) => _client.TransportFactory = factory;

        public Task Connect(bool isAsync) =>
            SmtpTranscriptTests.Call(isAsync, () => _client.Connect(_host, 25), () => _client.ConnectAsync(_host, 25));

        public async Task Disconnect(bool isAsync)
        {
            _disconnecting = true;
            try
            {
                await SmtpTranscriptTests.Call(isAsync, _client.Disconnect, () => _client.DisconnectAsync());
            }
            finally
            {
                _disconnecting = false;
            }
        }

        public async Task Send(bool isAsync)
        {
            bool opened = !Connected;
            if (opened)
            {
                await Connect(isAsync);
            }
            try
            {
                await SmtpTranscriptTests.Call(isAsync, () => _client.SendBytes(_message), () => _client.SendBytesAsync(_message));
            }
            finally
            {
                if (opened)
                {
                    // As Smtp.Send does: the session it opened ends, and LastReply keeps the answer to the message.
                    string reply = LastReply;
                    await Disconnect(isAsync);
                    _lastReply = reply;
                }
            }
        }

        public void Dispose() => _client.Dispose();
    }
}
