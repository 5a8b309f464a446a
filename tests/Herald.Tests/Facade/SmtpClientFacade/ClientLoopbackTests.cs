using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Tests.Infrastructure;
using Herald.Tests.Loopback;
using Herald.Tests.Tls;
using Xunit;

namespace Herald.Tests.Facade.SmtpClientFacade;

/// <summary>
/// SmtpClient against the in-process fake server: TLS chain building with KnownCerts, offline revocation in a real
/// handshake, TLS.ECCurves, Progress (totals and Cancel), the busy rule, the socket timeout in milliseconds, speed
/// limits, the local end, events, and the log file.
/// </summary>
[Collection(LoopbackTiming.Name)]
public class ClientLoopbackTests
{
    private static readonly TestPki s_pki = TestPki.Instance;

    private static SmtpClient NewClient()
    {
        var client = new SmtpClient { Domain = "client.test" };
        client.Socket.Timeout = 20_000;
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        client.Msg.From = "alice@example.org";
        client.Msg.SendTo = "bob@example.com";
        client.Msg.Subject = "Hi";
        client.Msg.PlainText = "Hello.\r\n";
        return client;
    }

    private static Task Connect(SmtpClient client, FakeSmtpServer server, bool isAsync, string host = "127.0.0.1") =>
        isAsync ? client.ConnectAsync(host, server.Port) : LoopbackSmtp.OnOwnThread(() => client.Connect(host, server.Port));

    private static Task SendMessage(SmtpClient client, bool isAsync) =>
        isAsync ? client.SendMessageAsync() : LoopbackSmtp.OnOwnThread(client.SendMessage);

    private static Task Disconnect(SmtpClient client, bool isAsync) =>
        isAsync ? client.DisconnectAsync() : LoopbackSmtp.OnOwnThread(client.Disconnect);

    /// <summary>A TLS server whose certificate (issued by the test intermediate) is sent without its chain.</summary>
    private static FakeSmtpServer LeafOnlyServer() => new() { ImplicitTls = true, Certificate = s_pki.Server };

    private static SmtpClient TlsClient(bool knownIntermediate = true)
    {
        var client = NewClient();
        client.TLS.TLSMode = SmtpClientTlsMode.ImplicitTls;
        client.TrustedCerts.Add(s_pki.Root);
        client.Config("UseSystemCertificates=False");
        if (knownIntermediate)
        {
            client.KnownCerts.Add(s_pki.Intermediate);
        }
        return client;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KnownCertsCompleteAChainTheServerSendsWithoutItsIntermediate(bool isAsync)
    {
        await using var server = LeafOnlyServer();
        using (var without = TlsClient(knownIntermediate: false))
        {
            var e = await Assert.ThrowsAsync<SmtpException>(() => Connect(without, server, isAsync, "localhost"));
            Assert.Equal(SmtpErrorCodes.CertVerificationError, e.Code);
            Assert.Contains("unknown CA", e.Message);
        }
        using var client = TlsClient();
        var notifications = new List<string>();
        client.Notification += (_, e) => notifications.Add(e.EventId);
        await Connect(client, server, isAsync, "localhost");
        Assert.True(client.ConnInfo.SecureConnection);
        Assert.Equal(ChainValidationResult.Valid, client.ConnInfo.ChainValidationResult);
        Assert.Contains("Herald Test Intermediate CA", client.ConnInfo.ValidationLog);
        Assert.Single(client.ServerCerts); // the server sent its own certificate only
        await Disconnect(client, isAsync);
        Assert.Equal(["Connected", "TlsEstablished", "Disconnected"],
            notifications.Where(n => n is "Connected" or "TlsEstablished" or "Disconnected"));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task KnownRevocationDataAnswersTheCheckInTheHandshake(bool isAsync, bool ocsp)
    {
        await using var server = LeafOnlyServer();
        byte[] Revoking(bool revoked) => ocsp
            ? OcspResponses.Build(s_pki.Server, s_pki.Intermediate, s_pki.Intermediate,
                revoked ? OcspResponses.Status.Revoked : OcspResponses.Status.Good, DateTimeOffset.UtcNow.AddMinutes(-5),
                DateTimeOffset.UtcNow.AddDays(1))
            : OcspResponses.Crl(s_pki.Intermediate, revoked ? [s_pki.Server] : []);
        void Configure(SmtpClient client, bool revoked)
        {
            client.TLS.RevocationCheck = ocsp ? RevocationCheckKind.AllOCSP : RevocationCheckKind.AllCRL;
            if (ocsp)
            {
                client.KnownOCSPs.Add(Revoking(revoked));
            }
            else
            {
                client.KnownCRLs.Add(Revoking(revoked));
                client.KnownCRLs.Add(OcspResponses.Crl(s_pki.Root, []));
            }
        }

        using (var refused = TlsClient())
        {
            Configure(refused, revoked: true);
            ChainValidityReasons? seen = null;
            refused.CertificateValidate += (_, e) =>
            {
                seen = e.ValidationDetails;
                Assert.False(e.Accept);
            };
            var e = await Assert.ThrowsAsync<SmtpException>(() => Connect(refused, server, isAsync, "localhost"));
            Assert.Equal(SmtpErrorCodes.CertVerificationError, e.Code);
            Assert.Contains("revoked", e.Message);
            Assert.Equal(ChainValidityReasons.Revoked, seen);
        }

        using var client = TlsClient();
        Configure(client, revoked: false);
        await Connect(client, server, isAsync, "localhost");
        Assert.Equal(ChainValidationResult.Valid, client.ConnInfo.ChainValidationResult);
        Assert.Contains(ocsp ? "OCSP: good according to a known OCSP response" : "CRL: not revoked according to the known CRL",
            client.ConnInfo.ValidationLog);
        await Disconnect(client, isAsync);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EcCurvesRefusesAGroupOutsideTheList(bool isAsync)
    {
        await using var server = LeafOnlyServer();
        using (var refused = TlsClient())
        {
            refused.TLS.ECCurves = "secp521r1";
            var e = await Assert.ThrowsAsync<SmtpException>(() => Connect(refused, server, isAsync, "localhost"));
            Assert.Equal(SmtpErrorCodes.TlsHandshakeError, e.Code);
            Assert.Contains("not in TLS.ECCurves", e.Message);
            Assert.False(refused.ConnInfo.ConnectionEstablished);
        }
        using var client = TlsClient();
        await Connect(client, server, isAsync, "localhost");
        string group = client.ConnInfo.NamedECCurve;
        await Disconnect(client, isAsync);
        client.TLS.ECCurves = group;
        await Connect(client, server, isAsync, "localhost");
        Assert.Equal(group, client.ConnInfo.NamedECCurve);
        await Disconnect(client, isAsync);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProgressReportsTheTotalAndCancelStopsTheTransferWith301(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var client = NewClient();
        client.Msg.PlainText = string.Concat(Enumerable.Repeat("A line of the body, sent in several pieces.\r\n", 4000));
        var progress = new List<(long Total, long Current)>();
        client.Progress += (_, e) => progress.Add((e.Total, e.Current));
        await Connect(client, server, isAsync);
        await SendMessage(client, isAsync);
        long total = progress[^1].Total;
        Assert.True(total > 180_000);
        Assert.Equal(total, progress[^1].Current);
        Assert.True(progress.Count > 1);
        Assert.All(progress.Zip(progress.Skip(1)), p => Assert.True(p.First.Current < p.Second.Current));
        Assert.Equal(total, Assert.Single(server.Sessions[0].Messages).Content.Length);

        client.Progress += (_, e) => e.Cancel = e.Current > 50_000;
        var cancelled = await Assert.ThrowsAsync<SmtpException>(() => SendMessage(client, isAsync));
        Assert.Equal(SmtpErrorCodes.Interrupted, cancelled.Code);
        Assert.Contains("a Progress handler set Cancel", cancelled.Message);
        Assert.False(client.ConnInfo.ConnectionEstablished);
        Assert.Single(server.Sessions[0].Messages); // the second message was not delivered
    }

    [Fact]
    public async Task ASecondCallWhileOneRunsFailsWith166()
    {
        await using var server = new FakeSmtpServer();
        using var client = NewClient();
        SmtpException? inner = null;
        client.Progress += (_, _) => inner ??= Assert.Throws<SmtpException>(client.SendMessage);
        await client.ConnectAsync("127.0.0.1", server.Port);
        await client.SendMessageAsync();
        Assert.Equal(SmtpErrorCodes.Busy, inner!.Code);
        await client.DisconnectAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SocketTimeoutIsInMilliseconds(bool isAsync)
    {
        await using var server = new FakeSmtpServer().On("EHLO", _ => FakeAction.Hang);
        using var client = NewClient();
        client.Socket.Timeout = 700;
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SmtpException>(() => Connect(client, server, isAsync));
        Assert.Equal(SmtpErrorCodes.Timeout, e.Code);
        Assert.Contains("for 700 milliseconds", e.Message);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(600), $"gave up after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OutgoingSpeedLimitSlowsTheWrites(bool isAsync)
    {
        const int rate = 40_000;
        await using var server = new FakeSmtpServer();
        using var client = NewClient();
        client.Msg.PlainText = string.Concat(Enumerable.Repeat(new string('x', 98) + "\r\n", 800)); // 80 000 bytes
        client.Socket.OutgoingSpeedLimit = rate;
        await Connect(client, server, isAsync);
        long before = client.ConnInfo.TotalBytesSent;
        var clock = Stopwatch.StartNew();
        await SendMessage(client, isAsync);
        clock.Stop();
        long bytes = client.ConnInfo.TotalBytesSent - before;
        // The first tenth of a second's worth may leave at once; everything after it waits for the rate.
        var least = TimeSpan.FromSeconds(0.9 * (bytes - rate / 10) / rate);
        Assert.True(clock.Elapsed >= least, $"{bytes} bytes at {rate} B/s took {clock.Elapsed.TotalSeconds:0.00} s");
        await Disconnect(client, isAsync);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IncomingSpeedLimitSlowsTheReads(bool isAsync)
    {
        const int rate = 200;
        await using var server = new FakeSmtpServer();
        using var client = NewClient();
        client.Socket.IncomingSpeedLimit = rate;
        var clock = Stopwatch.StartNew();
        await Connect(client, server, isAsync);
        clock.Stop();
        long bytes = client.ConnInfo.TotalBytesReceived;
        var least = TimeSpan.FromSeconds(0.9 * (bytes - rate / 10) / rate);
        Assert.True(clock.Elapsed >= least, $"{bytes} bytes at {rate} B/s took {clock.Elapsed.TotalSeconds:0.00} s");
        await Disconnect(client, isAsync);
    }

    [Fact]
    public async Task TheLocalEndIsTheOneAskedFor()
    {
        await using var server = new FakeSmtpServer();
        using var client = NewClient();
        client.Socket.LocalAddress = "127.0.0.1";
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            client.Socket.LocalPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        await client.ConnectAsync("127.0.0.1", server.Port);
        Assert.Equal(client.Socket.LocalPort, server.Sessions[0].RemoteEndPoint.Port);
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task ServerInfoIsEmptyAfterAHeloFallbackAndEventsCarryTheProtocol()
    {
        await using var server = new FakeSmtpServer().On("EHLO", _ => FakeAction.Reply("502 5.5.1 EHLO not implemented"));
        using var client = NewClient();
        var replies = new List<(int Code, string Line)>();
        var commands = new List<string>();
        client.CommandReply += (_, e) => replies.Add((e.Code, e.Reply));
        client.Command += (_, e) => commands.Add(e.Command);
        await client.ConnectAsync("127.0.0.1", server.Port);
        Assert.False(client.ServerInfo.Available);
        Assert.False(client.ServerInfo.SizeSupported);
        Assert.Equal(["EHLO client.test", "HELO client.test"], commands);
        Assert.Contains((502, "502 5.5.1 EHLO not implemented"), replies);
        await client.DisconnectAsync();
        Assert.Equal("QUIT", commands[^1]);
        Assert.Equal(221, replies[^1].Code);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheLogFileHoldsWhatItsLevelAndFiltersKeepWithSecretsMasked(bool isAsync)
    {
        using var dir = new TempDir();
        await using var server = new FakeSmtpServer { Capabilities = { "AUTH PLAIN LOGIN" } };
        server.Users["alice"] = "s3cret";
        using (var client = NewClient())
        {
            client.Username = "alice";
            client.Password = "s3cret";
            client.Config("Authentications=PLAIN");
            client.Config("LogFile=" + dir.File("smtp.log"));
            client.Config("LogLevel=Debug");
            client.Config("LogDetails=Level,Source");
            await Connect(client, server, isAsync);
            await SendMessage(client, isAsync);
            await Disconnect(client, isAsync);
            await Assert.ThrowsAsync<SmtpException>(() => Connect(client, server, isAsync, "no-such-host.invalid"));
        }
        string[] lines = File.ReadAllLines(dir.File("smtp.log"));
        Assert.Contains("[DEBUG] Protocol: C: EHLO client.test", lines);
        Assert.Contains("[DEBUG] Protocol: C: AUTH PLAIN ****", lines);
        Assert.Contains(lines, l => l.StartsWith("[DEBUG] Protocol: S: 235", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("[INFO] Connection: Connected to 127.0.0.1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("[ERROR] Errors: ", StringComparison.Ordinal) && l.Contains("no-such-host.invalid",
            StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("s3cret", StringComparison.Ordinal)
            || l.Contains("AGFsaWNl", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("Hello.", StringComparison.Ordinal)); // message data is never logged

        using var filtered = NewClient();
        filtered.Config("LogFile=" + dir.File("filtered.log"));
        filtered.Config("LogLevel=Info");
        filtered.Config("LogFilters=Connection");
        filtered.Config("LogDetails=Level");
        await Connect(filtered, server, isAsync);
        await Disconnect(filtered, isAsync);
        string[] kept = File.ReadAllLines(dir.File("filtered.log"));
        Assert.NotEmpty(kept);
        Assert.All(kept, l => Assert.StartsWith("[INFO] ", l));
        Assert.DoesNotContain(kept, l => l.Contains("EHLO", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BufferedLogsWaitForTheCountOrTheEndOfTheSession()
    {
        using var dir = new TempDir();
        await using var server = new FakeSmtpServer();
        using var client = NewClient();
        client.Config("LogFile=" + dir.File("buffered.log"));
        client.Config("LogLevel=Debug");
        client.Config("LogFlushMode=Buffered");
        client.Config("LogMaxEventCount=1000");
        client.Config("LogRotationMode=Daily");
        string file = dir.File($"buffered.{DateTime.UtcNow:yyyy-MM-dd}.log");
        await client.ConnectAsync("127.0.0.1", server.Port);
        Assert.False(File.Exists(file) && new FileInfo(file).Length > 0);
        await client.DisconnectAsync();
        Assert.Contains(File.ReadAllLines(file), l => l.EndsWith("C: QUIT", StringComparison.Ordinal));
        Assert.False(File.Exists(dir.File("buffered.log"))); // the daily file carries the date
    }

    [Fact]
    public async Task ALogFileThatCannotBeWrittenIsReportedOnce()
    {
        await using var server = new FakeSmtpServer();
        using var client = NewClient();
        var notes = new List<string>();
        client.Notification += (_, e) => notes.Add(e.EventParam);
        client.Config("LogFile=/no/such/directory/smtp.log");
        client.Config("LogLevel=Debug");
        await client.ConnectAsync("127.0.0.1", server.Port);
        await client.DisconnectAsync();
        Assert.Single(notes, n => n.StartsWith("The log file '/no/such/directory/smtp.log' cannot be written", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendFileReadsAMessageFileAndRemovesItsBcc()
    {
        using var dir = new TempDir();
        string path = dir.Write("message.eml",
            "From: alice@example.org\r\nTo: bob@example.com\r\nBcc: hidden@example.net\r\nSubject: file\r\n\r\nFrom a file.\r\n");
        await using var server = new FakeSmtpServer();
        using var client = new SmtpClient();
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        await client.ConnectAsync("127.0.0.1", server.Port);
        await client.SendFileAsync(path);
        client.SendFile(path);
        await client.DisconnectAsync();
        foreach (var message in server.Sessions[0].Messages)
        {
            Assert.Equal(["bob@example.com", "hidden@example.net"], message.Recipients);
            Assert.Equal("From: alice@example.org\r\nTo: bob@example.com\r\nSubject: file\r\n\r\nFrom a file.\r\n",
                Encoding.ASCII.GetString(message.Content));
        }
        Assert.Equal(2, server.Sessions[0].Messages.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TolerateMinorChainIssuesLetsAnUnknownRevocationStatusOfTheCaPass(bool isAsync)
    {
        // An intermediate whose CRL cannot be fetched (nothing listens on port 9 of loopback): its revocation status is
        // unknown, which AnyCRL refuses and TolerateMinorChainIssues forgives; the server certificate names no CRL.
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Unreachable CRL CA", caKey,
            HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign
            | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(
            CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(
                ["http://127.0.0.1:9/ca.crl"]));
        using var rootKey = s_pki.Root.GetECDsaPrivateKey()!;
        using var caPublic = request.Create(s_pki.Root.SubjectName,
            X509SignatureGenerator.CreateForECDsa(rootKey), now.AddDays(-1), now.AddDays(30),
            [9, 1]);
        using var ca = caPublic.CopyWithPrivateKey(caKey);
        using var leaf = TestPki.CreateLeaf("CN=localhost", ca, now.AddDays(-1), now.AddDays(20), ["localhost"], [], [TestPki.ServerAuth]);
        await using var server = new FakeSmtpServer { ImplicitTls = true, Certificate = leaf };

        SmtpClient Client()
        {
            var client = NewClient();
            client.TLS.TLSMode = SmtpClientTlsMode.ImplicitTls;
            client.TLS.RevocationCheck = RevocationCheckKind.AnyCRL;
            client.TrustedCerts.Add(s_pki.Root);
            client.KnownCerts.Add(X509CertificateLoader.LoadCertificate(ca.RawData));
            client.Config("UseSystemCertificates=False");
            return client;
        }

        using (var strict = Client())
        {
            var e = await Assert.ThrowsAsync<SmtpException>(() => Connect(strict, server, isAsync, "localhost"));
            Assert.Equal(SmtpErrorCodes.CertVerificationError, e.Code);
            Assert.Contains("revocation status of issuer certificate 'CN=Unreachable CRL CA' could not be checked", e.Message);
        }
        using var tolerant = Client();
        tolerant.Config("TolerateMinorChainIssues=True");
        await Connect(tolerant, server, isAsync, "localhost");
        Assert.True(tolerant.ConnInfo.SecureConnection);
        Assert.Equal(ChainValidationResult.Valid, tolerant.ConnInfo.ChainValidationResult);
        await Disconnect(tolerant, isAsync);
    }
}
