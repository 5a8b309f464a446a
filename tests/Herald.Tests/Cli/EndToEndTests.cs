using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Cli;
using Herald.Cli.Capture;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>The whole CLI in-process: real SMTP over loopback through the library, to the capture server or to a
/// scripted fake server.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-cli-e2e-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private Dictionary<string, string> CaptureEnv() => new() { ["HERALD_CAPTURE_DIR"] = _dir };

    private static string SavedPath(string stdout)
    {
        var line = stdout.Split('\n').Single(l => l.StartsWith("Saved: ", StringComparison.Ordinal));
        return line["Saved: ".Length..].TrimEnd('\r');
    }

    [Fact]
    public async Task SendWithNoServerDeliversToTheCaptureServer()
    {
        var r = await CliRunner.RunAsync(
            ["send", "--to", "Jane Doe <jane@example.com>, bob@example.com", "--to", "carol@example.com", "--cc", "dave@example.com",
                "--bcc", "erin@example.com", "--subject", "Hello", "--header", "X-Campaign: spring", "--body", "Hi there\n.dotted\n"],
            CaptureEnv());

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Matches(
            @"^No server configured: delivered to Herald's local capture server on 127\.0\.0\.1:\d+; nothing left this machine\.", r.Out);
        string path = SavedPath(r.Out);
        Assert.Equal(_dir, Path.GetDirectoryName(path));
        string eml = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(path));
        int blank = eml.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var (head, body) = (eml[..blank], eml[(blank + 4)..]);
        var headers = head.Split("\r\n");
        Assert.Equal(
            [
                "X-Herald-Envelope-From: <herald@localhost>", "X-Herald-Envelope-To: <jane@example.com>",
                "X-Herald-Envelope-To: <bob@example.com>", "X-Herald-Envelope-To: <carol@example.com>",
                "X-Herald-Envelope-To: <dave@example.com>", "X-Herald-Envelope-To: <erin@example.com>",
            ],
            headers[..6]);
        Assert.Contains("From: herald@localhost", headers);
        Assert.Contains("To: \"Jane Doe\" <jane@example.com>, bob@example.com, carol@example.com", headers);
        Assert.Contains("Cc: dave@example.com", headers);
        Assert.Contains("Subject: Hello", headers);
        Assert.Contains("X-Campaign: spring", headers);
        Assert.DoesNotContain(headers, h => h.StartsWith("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("Hi there\r\n.dotted\r\n", body);
    }

    [Fact]
    public async Task TheBodyCanComeFromStdinAndTheFolderFromTheOption()
    {
        string dir = Path.Combine(_dir, "chosen");
        var r = await CliRunner.RunAsync(["send", "--from", "Me <me@example.org>", "--to", "you@example.com", "--capture-dir", dir],
            CaptureEnv(), stdin: "piped text ü\n");
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        string path = SavedPath(r.Out);
        Assert.Equal(dir, Path.GetDirectoryName(path));
        string eml = await File.ReadAllTextAsync(path);
        Assert.StartsWith("X-Herald-Envelope-From: <me@example.org>\r\n", eml);
        Assert.Contains("\r\nFrom: \"Me\" <me@example.org>\r\n", eml);
        Assert.EndsWith("\r\n\r\npiped text ü\r\n", eml);
    }

    [Fact]
    public async Task TraceShowsTheConversationOnStderr()
    {
        var r = await CliRunner.RunAsync(["send", "--to", "you@example.com", "--body", "x", "--trace"], CaptureEnv());
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        var lines = r.Error.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Contains(lines, l => l.StartsWith("S: 220 localhost ESMTP Herald capture server", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("C: EHLO ", StringComparison.Ordinal));
        Assert.Contains("C: RCPT TO:<you@example.com>", lines);
        Assert.Contains(lines, l => l.StartsWith("S: 250 2.0.0 Saved as ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("*  ", StringComparison.Ordinal));
        Assert.DoesNotContain("C: ", r.Out);
    }

    [Fact]
    public async Task CaptureCommandRunsUntilCancelledAndPrintsEachPath()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var started = new TaskCompletionSource<CaptureServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var capture = CliRunner.RunAsync(["capture", "--port", "0", "--capture-dir", _dir], CaptureEnv(), cancellationToken: cts.Token,
            captureStarted: started.SetResult);
        var server = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var sent = await CliRunner.RunAsync(["send", "--server", $"127.0.0.1:{server.EndPoint.Port}", "--tls", "none",
            "--from", "app@example.com", "--to", "qa@example.com", "--subject", "From another app", "--body", "hello"]);
        Assert.Equal(ExitCodes.Ok, sent.ExitCode);
        Assert.Matches($@"^Sent to qa@example\.com via 127\.0\.0\.1:{server.EndPoint.Port}: 250 2\.0\.0 Saved as .*\.eml", sent.Out);

        await cts.CancelAsync();
        var result = await capture;
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        string path = result.Out.Trim();
        Assert.True(File.Exists(path), path);
        Assert.Contains("Subject: From another app", await File.ReadAllTextAsync(path));
        Assert.Contains("from app@example.com to qa@example.com", result.Error);
        Assert.Contains("Capture server stopped.", result.Error);
    }

    [Fact]
    public async Task ProbeShowsTheCaptureServersCapabilities()
    {
        await using var server = CaptureServer.Start(new CaptureServerOptions { Directory = _dir });
        var r = await CliRunner.RunAsync(["probe", "--server", $"127.0.0.1:{server.EndPoint.Port}", "--tls", "none"]);
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("Greeting     220 localhost ESMTP Herald capture server ready", r.Out);
        Assert.Contains("TLS          none\n", r.Out);
        Assert.Matches(@"\n  PIPELINING +yes +commands can be batched \(RFC 2920\)\n", r.Out);
        Assert.Matches(@"\n  SIZE +52428800 +max message size 50 MiB \(RFC 1870\)\n", r.Out);
        Assert.Matches(@"\n  SMTPUTF8 +yes +UTF-8 addresses and headers \(RFC 6531\)\n", r.Out);
    }

    [Fact]
    public async Task VerifyPrintsTheReply()
    {
        await using var server = new ScriptedServer("220 fake ESMTP", "250 fake", "252 2.5.0 Cannot VRFY user, but will accept message");
        var r = await CliRunner.RunAsync(["verify", "someone@example.com", "--server", $"127.0.0.1:{server.Port}", "--tls", "none"]);
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("252 2.5.0 Cannot VRFY user, but will accept message", r.Out.Trim());
        Assert.Contains("VRFY someone@example.com", server.Received);
    }

    [Fact]
    public async Task ExpandPrintsOneMemberPerLine()
    {
        await using var server = new ScriptedServer("220 fake ESMTP", "250 fake",
            "250-Ann <ann@example.com>\n250-bob@example.com\n250 Cy <cy@example.com>");
        var r = await CliRunner.RunAsync(["expand", "staff", "--server", $"127.0.0.1:{server.Port}", "--tls", "none"]);
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal(["Ann <ann@example.com>", "bob@example.com", "Cy <cy@example.com>"],
            r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
    }

    [Theory]
    [InlineData(ExitCodes.TempFail, new[] { "421 4.3.2 Too busy, come back later" })]
    [InlineData(ExitCodes.Protocol, new[] { "22O not a reply code" })]
    [InlineData(ExitCodes.Unavailable, new[] { "220 fake", "250 fake", "250 2.1.0 ok", "550 5.1.1 No such user" })]
    [InlineData(ExitCodes.TempFail, new[] { "220 fake", "250 fake", "250 2.1.0 ok", "450 4.2.1 Mailbox busy" })]
    [InlineData(ExitCodes.Usage, new[] { "220 fake", "250 fake", "250 2.1.0 ok", "501 5.1.3 Bad recipient address syntax" })]
    [InlineData(ExitCodes.DataError,
        new[] { "220 fake", "250 fake", "250 2.1.0 ok", "250 2.1.5 ok", "354 go", "554 5.6.0 Content rejected" })]
    [InlineData(ExitCodes.NoPermission, new[] { "220 fake", "250 fake", "530 5.7.0 Authentication required" })]
    public async Task ServerAnswersBecomeExitCodes(int expected, string[] script)
    {
        await using var server = new ScriptedServer(script[0], script[1..]);
        var r = await CliRunner.RunAsync(["send", "--server", $"127.0.0.1:{server.Port}", "--tls", "none", "--timeout", "10",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"]);
        Assert.Equal(expected, r.ExitCode);
        Assert.StartsWith("herald: error: ", r.Error);
        Assert.Empty(r.Out);
    }

    [Fact]
    public async Task FailedAuthenticationIsNoPermission()
    {
        await using var server = new ScriptedServer("220 fake ESMTP", "250-fake\n250 AUTH PLAIN",
            "535 5.7.8 Authentication credentials invalid");
        var r = await CliRunner.RunAsync(["send", "--server", $"127.0.0.1:{server.Port}", "--tls", "none", "--allow-plaintext-auth",
                "--user", "me", "--password-env", "PW", "--from", "me@example.com", "--to", "you@example.com", "--body", "x"],
            new Dictionary<string, string> { ["PW"] = "secret" });
        Assert.Equal(ExitCodes.NoPermission, r.ExitCode);
        Assert.Contains("535 5.7.8", r.Error);
        Assert.Contains("--allow-plaintext-auth", r.Error); // the warning
    }

    [Fact]
    public async Task ASilentServerTimesOut()
    {
        await using var server = new ScriptedServer(greeting: null);
        var r = await CliRunner.RunAsync(["send", "--server", $"127.0.0.1:{server.Port}", "--tls", "none", "--timeout", "1",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"]);
        Assert.Equal(ExitCodes.TempFail, r.ExitCode);
    }

    [Fact]
    public async Task ARefusedConnectionIsUnavailable()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var r = await CliRunner.RunAsync(["send", "--server", $"127.0.0.1:{port}", "--tls", "none",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"]);
        Assert.Equal(ExitCodes.Unavailable, r.ExitCode);
    }

    [Fact]
    public async Task TheDefaultTlsModeSendsInPlaintextToALoopbackServerWithoutStartTls()
    {
        // The capture server offers no STARTTLS; with nothing secret to send, auto goes on in plaintext, and on loopback
        // says nothing about it.
        await using var server = CaptureServer.Start(new CaptureServerOptions { Directory = _dir });
        var r = await CliRunner.RunAsync(["send", "--server", $"127.0.0.1:{server.EndPoint.Port}", "--timeout", "10",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x", "--trace"]);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Contains("Sent to you@example.com", r.Out);
        Assert.DoesNotContain("C: STARTTLS", r.Error);
        Assert.DoesNotContain("herald: warning", r.Error);
    }

    private static readonly string[] PlainAuthScript =
        ["220 fake ESMTP", "250-fake\n250-AUTH PLAIN LOGIN\n250 8BITMIME", "535 5.7.8 Authentication credentials invalid"];

    [Fact]
    public async Task TheDefaultTlsModeWarnsWhenAMessageGoesUnencryptedOffLoopback()
    {
        await using var server = new ScriptedServer("220 fake ESMTP", "250 fake", "250 2.1.0 ok", "250 2.1.5 ok", "354 go",
            "250 2.0.0 queued");
        var r = await CliRunner.RunAsync(["send", "--server", $"127.0.0.1:{server.Port}", "--timeout", "10",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"], serverIsLoopback: false);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Contains($"herald: warning: 127.0.0.1:{server.Port} does not offer STARTTLS: this session is NOT encrypted", r.Error);
        Assert.Contains("--tls starttls", r.Error);
    }

    [Fact]
    public async Task TheDefaultTlsModeNeverSendsAPasswordWithoutStartTlsNotEvenToLoopback()
    {
        var password = new Dictionary<string, string> { ["PW"] = "secret" };
        string[] args = ["send", "--server", "", "--timeout", "10", "--user", "me", "--password-env", "PW",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"];

        await using (var server = new ScriptedServer(PlainAuthScript[0], PlainAuthScript[1..]))
        {
            args[2] = $"127.0.0.1:{server.Port}";
            var r = await CliRunner.RunAsync(args, password);
            Assert.Equal(ExitCodes.Unavailable, r.ExitCode);
            Assert.Contains("does not offer STARTTLS", r.Error);
            Assert.Contains("Nothing was sent", r.Error);
            Assert.Contains("--tls none", r.Error);
            Assert.Equal("EHLO", Assert.Single(server.Received).Split(' ')[0]); // no AUTH line reached the server
        }

        // The control: --tls none keeps today's rule, which allows PLAIN to loopback, so the same server does get AUTH.
        await using (var server = new ScriptedServer(PlainAuthScript[0], PlainAuthScript[1..]))
        {
            args[2] = $"127.0.0.1:{server.Port}";
            var r = await CliRunner.RunAsync([.. args, "--tls", "none"], password);
            Assert.Equal(ExitCodes.NoPermission, r.ExitCode);
            Assert.Contains(server.Received, line => line.StartsWith("AUTH PLAIN ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AHandshakeThatFailsAfterStartTlsSuggestsNoneWhenNothingSecretIsSent()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        // Offers STARTTLS, agrees to it, then hangs up instead of answering the ClientHello.
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            async Task Say(string reply) => await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"));
            await Say("220 fake ESMTP");
            await reader.ReadLineAsync();
            await Say("250-fake\r\n250 STARTTLS");
            await reader.ReadLineAsync();
            await Say("220 2.0.0 Ready to start TLS");
        });
        var r = await CliRunner.RunAsync(["send", "--server", $"127.0.0.1:{port}", "--timeout", "10",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"]);
        await serve;
        Assert.Equal(ExitCodes.Unavailable, r.ExitCode);
        Assert.Contains("herald: hint: The server offered STARTTLS, but the TLS handshake failed", r.Error);
        Assert.Contains("--tls none", r.Error);
    }

    [Fact]
    public async Task TheDefaultTlsModeOnAPortThatWantsTlsFirstSuggestsImplicit()
    {
        using var cert = SelfSigned();
        await using var server = new ScriptedServer(cert, TlsScript[0], TlsScript[1..]);
        var r = await CliRunner.RunAsync(["send", "--server", $"localhost:{server.Port}", "--timeout", "1",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"]);
        Assert.Equal(ExitCodes.TempFail, r.ExitCode);
        // The library's own timeout message says it, in the command line's words.
        Assert.Contains("pass --tls implicit", r.Error.Split('\n').First(l => l.StartsWith("herald: error: ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task HeraldServerVariableIsUsedWhenNoServerOptionIsGiven()
    {
        await using var server = new ScriptedServer("220 fake ESMTP", "250 fake", "252 2.5.0 maybe");
        var r = await CliRunner.RunAsync(["verify", "x@example.com", "--tls", "none"],
            new Dictionary<string, string> { ["HERALD_SERVER"] = $"127.0.0.1:{server.Port}" });
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal("252 2.5.0 maybe", r.Out.Trim());
    }

    /// <summary>A self-signed certificate for localhost that can also serve as its own CA (for --ca).</summary>
    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(
            "CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(
            cert.Export(X509ContentType.Pfx), null);
    }

    private static readonly string[] TlsScript =
        ["220 tls.example ESMTP", "250 tls.example", "250 2.1.0 ok", "250 2.1.5 ok", "354 go", "250 2.0.0 queued"];

    [Fact]
    public async Task AnUntrustedCertificateIsRefusedWithNoPermission()
    {
        using var cert = SelfSigned();
        await using var server = new ScriptedServer(cert, TlsScript[0], TlsScript[1..]);
        var r = await CliRunner.RunAsync(["send", "--server", $"localhost:{server.Port}", "--tls", "implicit",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"]);
        Assert.Equal(ExitCodes.NoPermission, r.ExitCode);
        Assert.Contains("--ca FILE", r.Error);
    }

    [Fact]
    public async Task CaOptionTrustsAPrivateCa()
    {
        using var cert = SelfSigned();
        string ca = Path.Combine(_dir, "ca.pem");
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(ca, cert.ExportCertificatePem());
        await using var server = new ScriptedServer(cert, TlsScript[0], TlsScript[1..]);
        var r = await CliRunner.RunAsync(["send", "--server", $"localhost:{server.Port}", "--tls", "implicit", "--ca", ca,
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"]);
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("250 2.0.0 queued", r.Out);
    }

    [Fact]
    public async Task InsecureAcceptAnyCertificateWorksAndWarnsLoudly()
    {
        using var cert = SelfSigned();
        await using var server = new ScriptedServer(cert, TlsScript[0], TlsScript[1..]);
        var r = await CliRunner.RunAsync(["send", "--server", $"localhost:{server.Port}", "--tls", "implicit",
            "--insecure-accept-any-certificate",
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"]);
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("herald: warning: --insecure-accept-any-certificate", r.Error);
    }

    [Fact]
    public async Task ACaFileWithoutCertificatesIsADataError()
    {
        Directory.CreateDirectory(_dir);
        string ca = Path.Combine(_dir, "not-a-ca.pem");
        await File.WriteAllTextAsync(ca, "hello");
        var r = await CliRunner.RunAsync(["send", "--server", "localhost:1", "--tls", "implicit", "--ca", ca,
            "--from", "me@example.com", "--to", "you@example.com", "--body", "x"]);
        Assert.Equal(ExitCodes.DataError, r.ExitCode);
    }
}
