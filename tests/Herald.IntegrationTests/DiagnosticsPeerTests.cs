using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Herald.IntegrationTests.Support;
using Herald.IntegrationTests.Tls;
using Herald.Tests.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>Runs alone: the Herald meter and activity source are shared by the whole process, and other tests use the same ports.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DiagnosticsCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Diagnostics against the peers";
}

/// <summary>
/// A real session with a logger, a <see cref="System.Diagnostics.Metrics.MeterListener"/> and an
/// <see cref="ActivityListener"/> attached: what they record, held against Postfix's own record of the same session
/// (its queue id in the Received header it added) and against the peers' certificate; and a login through Postfix and
/// Dovecot that leaves no trace of the password in the log.
/// </summary>
[Collection(DiagnosticsCollection.Name)]
public sealed partial class DiagnosticsPeerTests
{
    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ASendThroughPostfixIsLoggedMeasuredAndTracedAsPostfixSawIt(Api api)
    {
        using var capture = new TelemetryCapture(Peers.PostfixOpen);
        var logger = new CapturingLogger();
        using var smtp = PeerSmtp.Create(Peers.PostfixOpen, SmtpSSLStartModes.sslExplicit);
        var trace = new TraceLog(smtp);
        smtp.Logger = logger;
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker);
        string rejected = $"{Peers.RejectPrefix}-{marker}@example.com";
        smtp.BCc = rejected;
        using var caller = new Activity("integration test").Start();

        var clock = Stopwatch.StartNew();
        await smtp.ConnectUsing(api);
        var connectTime = clock.Elapsed;
        string remoteAddress = smtp.Engine.RemoteAddress;
        var negotiated = NegotiatedTls.Read(smtp);
        clock.Restart();
        await smtp.SendUsing(api);
        var sendTime = clock.Elapsed;
        long sentBeforeQuit = smtp.Engine.BytesSent;
        await smtp.DisconnectUsing(api);
        caller.Stop();

        // Postfix's record: the queue id it named in its reply is the one in the Received header it wrote.
        string delivered = await Peers.WaitForMaildirMessageAsync(marker);
        string queueId = ReceivedId().Match(PeerSmtp.TopReceivedHeader(delivered)).Groups["id"].Value;
        Assert.NotEqual("", queueId);
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Peers.ServerCertificate);
        string version = negotiated.Version.Replace("TLS", "", StringComparison.Ordinal);

        // ---- the log ----
        // The trace: the component's own trace, line for line, in its "C: "/"S: " form.
        var expectedTrace = trace.Lines.Where(l => l.Direction is 0 or 1)
            .Select(l => (l.Direction == 0 ? "C: " : "S: ") + l.Message).ToList();
        Assert.Equal(expectedTrace, logger.TraceLines);
        Assert.StartsWith("S: 220 ", logger.TraceLines[0], StringComparison.Ordinal);
        Assert.Contains("C: STARTTLS", logger.TraceLines);
        Assert.Equal(2, logger.TraceLines.Count(l => l.StartsWith("C: EHLO ", StringComparison.Ordinal)));
        // "250 2.0.0 Ok: queued as ID" after DATA, "250 2.0.0 Ok: 320 bytes queued as ID" after BDAT.
        Assert.Single(logger.TraceLines,
            l => l.StartsWith("S: 250 2.0.0 Ok: ", StringComparison.Ordinal)
                 && l.EndsWith(" queued as " + queueId, StringComparison.Ordinal));
        Assert.Equal(["C: QUIT", "S: 221 2.0.0 Bye"], logger.TraceLines.TakeLast(2));
        Assert.All(logger.Entries, e => Assert.Equal(("localhost", Peers.PostfixOpen), (e["Server"], e["Port"])));
        Assert.Equal(["SmtpConnected", "SmtpTlsEstablished", "SmtpRecipientRejected", "SmtpMessageAccepted"],
            logger.Entries.Where(e => e.Level >= LogLevel.Information).Select(e => e.Id.Name));
        Assert.Equal(remoteAddress, logger.Named("SmtpConnected")[0]["RemoteAddress"]);
        var tls = logger.Named("SmtpTlsEstablished")[0];
        Assert.Equal((version, negotiated.CipherSuite, certificate.Subject, certificate.Issuer),
            (tls["TlsVersion"], tls["CipherSuite"], tls["CertificateSubject"], tls["CertificateIssuer"]));
        var refusal = logger.Named("SmtpRecipientRejected")[0];
        Assert.Equal((LogLevel.Warning, rejected, 550, "5.1.1"),
            (refusal.Level, refusal["Recipient"], refusal["ReplyCode"], refusal["EnhancedCode"]));
        var accepted = logger.Named("SmtpMessageAccepted")[0];
        Assert.Equal((250, "2.0.0", queueId, 1, 2),
            (accepted["ReplyCode"], accepted["EnhancedCode"], accepted["QueueId"], accepted["AcceptedCount"], accepted["RecipientCount"]));
        Assert.Single(logger.Named("SmtpDisconnected"));

        // ---- the meter ----
        Assert.Equal(1, capture.Sum("herald.smtp.messages.sent"));
        Assert.Equal(1, capture.Sum("herald.smtp.recipients.accepted"));
        Assert.Equal("5xx", Assert.Single(capture.Of("herald.smtp.recipients.rejected"))["smtp.reply_class"]);
        Assert.Empty(capture.Of("herald.smtp.failures"));
        // Every byte written on the connection, "QUIT\r\n" included.
        Assert.Equal(sentBeforeQuit + 6, capture.Sum("herald.smtp.bytes.sent"));
        var connectDuration = Assert.Single(capture.Of("herald.smtp.connect.duration"));
        Assert.InRange(connectDuration.Value, double.Epsilon, connectTime.TotalSeconds);
        var sendDuration = Assert.Single(capture.Of("herald.smtp.send.duration"));
        Assert.InRange(sendDuration.Value, double.Epsilon, sendTime.TotalSeconds);
        Assert.Equal("2xx", sendDuration["smtp.reply_class"]);
        Assert.All(capture.Measurements, m => Assert.Equal("localhost", m["server.address"]));

        // ---- the activities ----
        var connect = Assert.Single(capture.Named("smtp connect"));
        var send = Assert.Single(capture.Named("smtp send"));
        Assert.All(new[] { connect, send }, a =>
        {
            Assert.Equal((caller.TraceId, caller.SpanId, ActivityKind.Client), (a.TraceId, a.ParentSpanId, a.Kind));
            Assert.Equal(("localhost", Peers.PostfixOpen, "smtp"),
                (a.GetTagItem("server.address"), a.GetTagItem("server.port"), a.GetTagItem("network.protocol.name")));
            Assert.Equal(ActivityStatusCode.Unset, a.Status);
        });
        Assert.InRange(connect.Duration, TimeSpan.FromTicks(1), connectTime);
        Assert.InRange(send.Duration, TimeSpan.FromTicks(1), sendTime);
        Assert.Equal((remoteAddress, true, version, negotiated.CipherSuite),
            (connect.GetTagItem("network.peer.address"), connect.GetTagItem("tls.established"), connect.GetTagItem("tls.protocol.version"),
             connect.GetTagItem("tls.cipher")));
        Assert.Equal((certificate.Subject, certificate.Issuer),
            (connect.GetTagItem("tls.server.subject"), connect.GetTagItem("tls.server.issuer")));
        Assert.Equal((queueId, 250, "2.0.0"), (send.GetTagItem("smtp.queue_id"), send.GetTagItem("smtp.reply_code"),
            send.GetTagItem("smtp.enhanced_status_code")));
        Assert.Equal((2, 1, 1), (send.GetTagItem("smtp.recipients"), send.GetTagItem("smtp.recipients.accepted"),
            send.GetTagItem("smtp.recipients.rejected")));
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task ALoginThroughPostfixAndDovecotLeavesNoPasswordInTheLog(string mechanism)
    {
        using var capture = new TelemetryCapture(Peers.PostfixAuth);
        var logger = new CapturingLogger();
        using var smtp = PeerSmtp.Create(Peers.PostfixAuth, SmtpSSLStartModes.sslExplicit);
        var trace = new TraceLog(smtp);
        smtp.Logger = logger;
        smtp.User = Peers.User;
        smtp.Password = Peers.Password;
        smtp.Config("AuthMechanisms=" + mechanism);
        smtp.Config("MaskSensitiveData=False"); // the component's own trace shows the login; the log never does
        string marker = Peers.NewMarker();
        PeerSmtp.SetMessage(smtp, marker, to: Peers.OtherUser);

        await smtp.SendAsync();

        await Peers.WaitForMaildirMessageAsync(marker);
        Assert.NotEmpty(SecretScan.Find(trace, Peers.Password)); // it was on the wire...
        Assert.Empty(logger.FindSecrets(Peers.Password));         // ... and is nowhere in the log
        Assert.Contains(mechanism == "PLAIN" ? "C: AUTH PLAIN ****" : "C: AUTH LOGIN", logger.TraceLines);
        var authenticated = Assert.Single(logger.Named("SmtpAuthenticated"));
        Assert.Equal((Peers.User, mechanism), (authenticated["User"], authenticated["Mechanism"]));
        Assert.Equal(mechanism, Assert.Single(capture.Named("smtp connect")).GetTagItem("smtp.auth.mechanism"));
        Assert.Equal(1, capture.Sum("herald.smtp.messages.sent"));
    }

    // "by localhost (Postfix) with ESMTPS id 3EE5BB2013F;"
    [GeneratedRegex(@"\(Postfix\) with E?SMTPS?A? id (?<id>[0-9A-Za-z]+)")]
    private static partial Regex ReceivedId();
}
