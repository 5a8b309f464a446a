using System.Text;
using Herald.Tests.Infrastructure;
using Herald.Tests.Loopback;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Herald.Tests.Diagnostics;

/// <summary>
/// The <see cref="Smtp.Logger"/> and <see cref="SmtpPool.Logger"/>: the trace at Trace level with secrets masked in
/// the text and in every field, the session's facts at Information, failures at Warning and Error, the structured
/// fields, and nothing at all for a level the logger turned off.
/// </summary>
public class LoggingTests
{
    private const string Password = "s3cret-pw";

    private static FakeSmtpServer AuthServer()
    {
        var server = new FakeSmtpServer { StartTls = FakeStartTls.Offered };
        server.Users["alice"] = Password;
        server.On("RCPT", c => c.Argument.Contains("nobody@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user") : null);
        return server;
    }

    private static Smtp Create(FakeSmtpServer server, ILogger logger, string mechanism)
    {
        var smtp = LoopbackSmtp.Create(server);
        smtp.SSLStartMode = SmtpSSLStartModes.sslExplicit;
        smtp.Config("SSLServerCACerts=" + server.CertificatePem);
        smtp.User = "alice";
        smtp.Password = Password;
        smtp.Config("AuthMechanisms=" + mechanism);
        smtp.BCc = "nobody@example.com";
        smtp.Logger = logger;
        return smtp;
    }

    [Theory]
    [InlineData("PLAIN", false)]
    [InlineData("PLAIN", true)]
    [InlineData("LOGIN", false)]
    [InlineData("LOGIN", true)]
    public async Task TheTraceIsLoggedWithTheLoginMaskedEvenWhenTheComponentsOwnTraceShowsIt(string mechanism, bool isAsync)
    {
        await using var server = AuthServer();
        var logger = new CapturingLogger();
        using var smtp = Create(server, logger, mechanism);
        smtp.Config("MaskSensitiveData=False"); // the OnPITrail trace now shows the login; the log must not
        var pitrail = new List<(int Direction, string Message)>();
        smtp.OnPITrail += (_, e) => pitrail.Add((e.Direction, e.Message));

        await LoopbackSmtp.Send(smtp, isAsync);

        // The secret really went over the wire and into the component's own unmasked trace...
        string plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0" + Password));
        string user = Convert.ToBase64String(Encoding.UTF8.GetBytes("alice"));
        string login = Convert.ToBase64String(Encoding.UTF8.GetBytes(Password));
        Assert.Contains(pitrail, l => l.Message == (mechanism == "PLAIN" ? "AUTH PLAIN " + plain : login));
        // ... and nowhere into the log: not in a text, a field or an exception, in clear or in base64.
        Assert.Empty(logger.FindSecrets(Password));
        // The logged trace is the component's trace line for line, in the same "C: "/"S: " form, with the login masked.
        var expected = pitrail.Where(l => l.Direction is 0 or 1)
            .Select(l => (l.Direction == 0 ? "C: " : "S: ") + (l.Message == "AUTH PLAIN " + plain ? "AUTH PLAIN ****"
                : l.Direction == 0 && (l.Message == user || l.Message == login) ? "****" : l.Message))
            .ToList();
        Assert.Equal(expected, logger.TraceLines);
        Assert.Contains(mechanism == "PLAIN" ? "C: AUTH PLAIN ****" : "C: AUTH LOGIN", expected);
        Assert.Equal(["S: 220 fake.test ESMTP ready", "C: EHLO client.test"], logger.TraceLines.Take(2));
        Assert.Equal(["C: QUIT", "S: 221 2.0.0 Bye"], logger.TraceLines.TakeLast(2));
        // The component's own notes ("*" lines) are logged too, at Debug.
        Assert.Equal(pitrail.Where(l => l.Direction == 2).Select(l => "* " + l.Message), logger.Named("SmtpNote").Select(e => e.Message));
        Assert.All(logger.Named("SmtpNote"), e => Assert.Equal(LogLevel.Debug, e.Level));
        Assert.All(logger.Entries.Where(e => e.Id.Id is 1 or 2), e => Assert.Equal(LogLevel.Trace, e.Level));
    }

    [Fact]
    public async Task EveryEntryCarriesTheServerAndPortAndTheTraceCarriesCommandsAndReplyCodes()
    {
        await using var server = AuthServer();
        var logger = new CapturingLogger();
        using var smtp = Create(server, logger, "PLAIN");

        await smtp.SendAsync();

        Assert.All(logger.Entries, e => Assert.Equal(("127.0.0.1", server.Port), (e["Server"], e["Port"])));
        var mail = Assert.Single(logger.Named("SmtpCommand"), e => ((string)e["Line"]!).StartsWith("MAIL FROM:", StringComparison.Ordinal));
        Assert.Equal("MAIL", mail["Command"]);
        var auth = Assert.Single(logger.Named("SmtpCommand"), e => ((string)e["Line"]!).StartsWith("AUTH", StringComparison.Ordinal));
        Assert.Equal("AUTH", auth["Command"]);
        var authOk = Assert.Single(logger.Named("SmtpReply"), e => (int)e["ReplyCode"]! == 235);
        Assert.Equal(("235 2.7.0 Authentication successful", "2.7.0"), (authOk["Line"], authOk["EnhancedCode"]));
        var ehlo = logger.Named("SmtpReply").Where(e => ((string)e["Line"]!).StartsWith("250-fake.test", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, ehlo.Count); // before and after STARTTLS, each a line of a multi-line reply
        Assert.All(ehlo, e => Assert.Equal((250, ""), (e["ReplyCode"], e["EnhancedCode"])));
    }

    [Fact]
    public async Task TheSessionsFactsAreLoggedAtInformationAndARejectedRecipientAtWarning()
    {
        await using var server = AuthServer();
        var logger = new CapturingLogger(LogLevel.Information);
        using var smtp = Create(server, logger, "PLAIN");

        await smtp.SendAsync();

        Assert.Equal(["SmtpConnected", "SmtpTlsEstablished", "SmtpAuthenticated", "SmtpRecipientRejected", "SmtpMessageAccepted"],
            logger.Entries.Select(e => e.Id.Name));
        var session = Assert.Single(server.Sessions);
        var connected = logger.Named("SmtpConnected")[0];
        Assert.Equal(("127.0.0.1", session.RemoteEndPoint.Port), (connected["RemoteAddress"], connected["LocalPort"]));
        var tls = logger.Named("SmtpTlsEstablished")[0];
        Assert.Equal(session.TlsProtocol == System.Security.Authentication.SslProtocols.Tls13 ? "1.3" : "1.2", tls["TlsVersion"]);
        Assert.Equal((server.Certificate.Subject, server.Certificate.Issuer), (tls["CertificateSubject"], tls["CertificateIssuer"]));
        Assert.StartsWith("TLS_", (string)tls["CipherSuite"]!, StringComparison.Ordinal);
        var auth = logger.Named("SmtpAuthenticated")[0];
        Assert.Equal(("alice", "PLAIN", LogLevel.Information), (auth["User"], auth["Mechanism"], auth.Level));
        var rejected = logger.Named("SmtpRecipientRejected")[0];
        Assert.Equal((LogLevel.Warning, "nobody@example.com", 550, "5.1.1"),
            (rejected.Level, rejected["Recipient"], rejected["ReplyCode"], rejected["EnhancedCode"]));
        var accepted = logger.Named("SmtpMessageAccepted")[0];
        Assert.Equal((1, 2, 250, "2.0.0", "FAKE1"),
            (accepted["AcceptedCount"], accepted["RecipientCount"], accepted["ReplyCode"], accepted["EnhancedCode"], accepted["QueueId"]));
        Assert.Equal($"127.0.0.1:{server.Port} accepted the message for 1 of 2 recipients: 250 2.0.0, queue id FAKE1", accepted.Message);
        // Nothing below the logger's level was even handed to it.
        Assert.Equal(0, logger.DisabledCalls);
    }

    [Theory]
    [InlineData("451 4.3.0 Try again later", LogLevel.Warning)]
    [InlineData("554 5.6.0 Content refused", LogLevel.Error)]
    public async Task ARefusedMessageIsAWarningWhenTransientAndAnErrorWhenPermanent(string reply, LogLevel level)
    {
        await using var server = new FakeSmtpServer();
        server.On(".", _ => FakeAction.Reply(reply));
        var logger = new CapturingLogger(LogLevel.Warning);
        using var smtp = LoopbackSmtp.Create(server);
        smtp.Logger = logger;

        var e = await LoopbackSmtp.SendFails(smtp, isAsync: true);

        var failed = Assert.Single(logger.Entries);
        Assert.Equal(("SmtpMessageFailed", level), (failed.Id.Name, failed.Level));
        Assert.Equal((int.Parse(reply[..3], System.Globalization.CultureInfo.InvariantCulture), reply[4..9], reply[..3], e.Message),
            (failed["ReplyCode"], failed["EnhancedCode"], failed["ErrorType"], failed["Error"]));
    }

    [Fact]
    public async Task AFailedConnectionIsAnErrorWithItsException()
    {
        await using var server = new FakeSmtpServer { Greeting = "554 5.3.2 Not now" };
        var logger = new CapturingLogger(LogLevel.Warning);
        using var smtp = LoopbackSmtp.Create(server);
        smtp.Logger = logger;

        var e = await LoopbackSmtp.ConnectFails(smtp, isAsync: false);

        var failed = Assert.Single(logger.Entries);
        Assert.Equal(("SmtpConnectFailed", LogLevel.Error, "554"), (failed.Id.Name, failed.Level, failed["ErrorType"]));
        Assert.Same(e, failed.Exception);
    }

    [Fact]
    public async Task ALoggerThatWantsNothingIsAskedButNeverHandedAnEntry()
    {
        await using var server = AuthServer();
        var logger = new CapturingLogger(LogLevel.None);
        using var smtp = Create(server, logger, "LOGIN");

        await smtp.SendAsync();

        Assert.Empty(logger.Entries);
        Assert.Equal(0, logger.DisabledCalls);
    }

    [Fact]
    public async Task ResetKeepsTheLoggerAndNullStopsIt()
    {
        await using var server = new FakeSmtpServer();
        var logger = new CapturingLogger(LogLevel.Information);
        using var smtp = LoopbackSmtp.Create(server);
        smtp.Logger = logger;

        smtp.Reset();
        Assert.Same(logger, smtp.Logger);
        smtp.MailServer = server.Host;
        smtp.MailPort = server.Port;
        smtp.From = "alice@example.org";
        smtp.SendTo = "bob@example.com";
        await smtp.SendAsync();
        Assert.Single(logger.Named("SmtpMessageAccepted"));

        smtp.Logger = null;
        await smtp.SendAsync();
        Assert.Single(logger.Named("SmtpMessageAccepted"));
        Assert.Equal(2, server.Sessions.Count);
    }

    [Fact]
    public async Task APoolLogsEachAcceptedMessageWithItsQueueId()
    {
        await using var server = new FakeSmtpServer();
        server.Users["alice"] = Password;
        var logger = new CapturingLogger();
        var options = new SmtpPoolOptions
        {
            Host = server.Host, Port = server.Port, Tls = SmtpTlsMode.None, UserName = "alice", Password = Password,
            AuthMechanisms = "PLAIN", HeloName = "client.test", MaxConnections = 1,
        };
        await using (var pool = new SmtpPool(options, logger))
        {
            Assert.Same(logger, pool.Logger);
            pool.Pause();
            var sends = Enumerable.Range(0, 2).Select(n => pool.SendAsync("alice@example.org", ["bob@example.com"],
                new MemoryStream(Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody\r\n")))).ToList();
            pool.Resume();
            var results = await Task.WhenAll(sends);
            Assert.Equal(results.Select(r => r.QueueId).Order(),
                logger.Named("SmtpMessageAccepted").Select(e => (string)e["QueueId"]!).Order());
        }

        Assert.Equal(["FAKE1", "FAKE2"], logger.Named("SmtpMessageAccepted").Select(e => (string)e["QueueId"]!).Order());
        Assert.Contains("C: AUTH PLAIN ****", logger.TraceLines);
        Assert.Equal("C: QUIT", logger.TraceLines[^2]);
        Assert.Single(logger.Named("SmtpAuthenticated"));
        Assert.Single(logger.Named("SmtpDisconnected"));
        Assert.Empty(logger.FindSecrets(Password));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SmtpClientLogsItsSessionWithTheLoginMasked(bool isAsync)
    {
        await using var server = AuthServer();
        var logger = new CapturingLogger();
        await using var client = new SmtpClient { Username = "alice", Password = Password, Logger = logger };
        client.Config("Authentications=PLAIN");
        client.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
        client.TLS.AutoValidateCertificates = false;
        client.CertificateValidate += (_, e) => e.Accept = true;
        client.Msg.From = "alice@example.org";
        client.Msg.SendTo = "bob@example.com";
        client.Msg.PlainText = "logged";

        if (isAsync)
        {
            await client.ConnectAsync(server.Host, server.Port);
            await client.SendMessageAsync();
        }
        else
        {
            await LoopbackSmtp.OnOwnThread(() =>
            {
                client.Connect(server.Host, server.Port);
                client.SendMessage();
            });
        }

        Assert.Contains(logger.TraceLines, l => l.StartsWith("C: MAIL FROM:<alice@example.org>", StringComparison.Ordinal));
        Assert.Contains(logger.TraceLines, l => l == "C: AUTH PLAIN ****");
        Assert.Empty(logger.FindSecrets(Password, Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0" + Password))));
    }
}
