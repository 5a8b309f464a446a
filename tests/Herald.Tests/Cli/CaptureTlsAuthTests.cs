using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Cli;
using Herald.Cli.Capture;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>
/// The capture server standing in for a real server: STARTTLS (and implicit TLS) with the certificate it makes, AUTH
/// PLAIN and LOGIN with any credentials, the user name recorded, and <c>herald capture list</c> / <c>show</c>.
/// </summary>
public sealed class CaptureTlsAuthTests : IAsyncLifetime
{
    private const string Password = "s3cret-Pa55word";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-capture-tls-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<CapturedMessage> _saved = new();
    private readonly ConcurrentQueue<Exception> _failures = new();
    private CaptureCertificate _certificate = null!;
    private CaptureServer _server = null!;

    public Task InitializeAsync()
    {
        _certificate = CaptureCertificate.LoadOrCreate(_dir, "localhost", DateTimeOffset.UtcNow);
        _server = CaptureServer.Start(new CaptureServerOptions
        {
            Directory = _dir,
            TlsCertificate = _certificate.Context,
            ImplicitTlsPort = 0,
        });
        _server.MessageSaved += _saved.Enqueue;
        _server.SessionFailed += _failures.Enqueue;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificate.Dispose();
        Assert.Empty(_failures);
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private async Task<RawSmtpClient> ConnectAsync()
    {
        var client = await RawSmtpClient.ConnectAsync(_server.EndPoint);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        return client;
    }

    private static Smtp Application(int port) => new()
    {
        MailServer = "localhost",
        MailPort = port,
        From = "\"The App\" <app@example.com>",
        SendTo = "qa@example.com, dev@example.com",
        Subject = "Order confirmed",
        MessageText = "Thank you for your order.\r\n",
        User = "alice@example.org",
        Password = Password,
    };

    [Fact]
    public async Task AnApplicationSetUpForARealServerSendsWithStartTlsAndAuthAndListShowsIt()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var started = new TaskCompletionSource<CaptureServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        string dir = Path.Combine(_dir, "cli");
        var capture = CliRunner.RunAsync(["capture", "--port", "0", "--capture-dir", dir], cancellationToken: cts.Token,
            captureStarted: started.SetResult);
        var server = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        string caPath = Path.Combine(dir, "tls", "ca.pem");
        Assert.True(File.Exists(caPath));

        // The settings of a real submission server; only the host and port point at the capture server.
        using (var smtp = Application(server.EndPoint.Port))
        {
            smtp.SSLStartMode = SmtpSSLStartModes.sslExplicit;
            smtp.Config("SSLServerCACerts=" + await File.ReadAllTextAsync(caPath));
            var trace = new List<string>();
            smtp.OnPITrail += (_, e) => trace.Add($"{"CS*"[e.Direction]}: {e.Message}");
            await smtp.SendAsync();
            int startTls = trace.IndexOf("C: STARTTLS");
            Assert.True(startTls > 0, string.Join("\n", trace));
            Assert.StartsWith("S: 220 ", trace[startTls + 1]);
            Assert.StartsWith("C: EHLO ", trace[startTls + 2]); // EHLO again over TLS (RFC 3207 §4.2)
            Assert.Contains(trace, l => l.StartsWith("C: AUTH PLAIN", StringComparison.Ordinal));
        }

        await cts.CancelAsync();
        var result = await capture;
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains($"clients trust {caPath}", result.Error);
        Assert.Contains("from app@example.com to qa@example.com, dev@example.com (", result.Error);
        Assert.Contains("user alice@example.org)", result.Error);
        string path = result.Out.Trim();
        string saved = await File.ReadAllTextAsync(path);
        Assert.Contains("X-Herald-Auth-User: alice@example.org\r\n", saved);
        Assert.Matches(@"X-Herald-Tls: TLSv1\.3 TLS_\w+\r\n", saved);
        Assert.DoesNotContain(Password, saved);

        var list = await CliRunner.RunAsync(["capture", "list", "--capture-dir", dir]);
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        var lines = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^#  TIME +FROM +TO +SUBJECT +SIZE  USER$", lines[0]);
        // The size of the message as the client sent it: the file without the lines the server put in front.
        long size = new FileInfo(path).Length - saved.Split("\r\n").TakeWhile(l => l.StartsWith("X-Herald-", StringComparison.Ordinal))
            .Sum(l => l.Length + 2);
        Assert.Matches(
            @"^1  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  app@example\.com  qa@example\.com, dev@example\.com  Order confirmed  +" +
            $"{size}  alice@example\\.org$", lines[1]);

        var show = await CliRunner.RunAsync(["capture", "show", "1", "--capture-dir", dir]);
        Assert.Equal(ExitCodes.Ok, show.ExitCode);
        Assert.Equal(saved, show.Out);
    }

    [Fact]
    public async Task AuthLoginOverImplicitTlsWithTheAcceptedCertificateRecordsTheUser()
    {
        using var smtp = Application(_server.ImplicitTlsEndPoint!.Port);
        smtp.SSLStartMode = SmtpSSLStartModes.sslImplicit;
        smtp.AuthMechanism = SmtpAuthMechanisms.amLogin;
        smtp.User = "bob";
        smtp.SSLAcceptServerCert = new Certificate(_certificate.Server.RawData);
        var trace = new List<string>();
        smtp.OnPITrail += (_, e) => trace.Add($"{"CS*"[e.Direction]}: {e.Message}");
        await smtp.SendAsync();

        Assert.Contains(trace, l => l.StartsWith("C: AUTH LOGIN", StringComparison.Ordinal));
        Assert.DoesNotContain(trace, l => l == "C: STARTTLS");
        var message = Assert.Single(_saved);
        Assert.Equal("bob", message.User);
        Assert.Contains("X-Herald-Auth-User: bob\r\n", await File.ReadAllTextAsync(message.Path));
    }

    [Fact]
    public async Task AuthLoginAnswersUsernameAndPasswordChallenges()
    {
        using var client = await ConnectAsync();
        await client.CommandAsync("EHLO client.example");
        Assert.Equal("334 VXNlcm5hbWU6", await client.CommandAsync("AUTH LOGIN")); // "Username:"
        Assert.Equal("334 UGFzc3dvcmQ6", await client.CommandAsync(B64("carol"))); // "Password:"
        Assert.StartsWith("235 2.7.0 ", await client.CommandAsync(B64(Password)));
        await SendMessageAsync(client);
        Assert.Equal("carol", Assert.Single(_saved).User);
    }

    [Fact]
    public async Task AuthPlainWithoutInitialResponseGetsAnEmptyChallenge()
    {
        using var client = await ConnectAsync();
        await client.CommandAsync("EHLO client.example");
        Assert.Equal("334 ", await client.CommandAsync("AUTH PLAIN"));
        Assert.StartsWith("235 ", await client.CommandAsync(B64($"admin\0dave\0{Password}")));
        await SendMessageAsync(client);
        Assert.Equal("dave", Assert.Single(_saved).User); // the authentication identity, not the authorization one
    }

    [Fact]
    public async Task AuthBeforeStartTlsIsAcceptedAndTheLoginIsForgottenAfterTls()
    {
        using var client = await ConnectAsync();
        var ehlo = (await client.CommandAsync("EHLO client.example")).Split('\n');
        Assert.Contains("250-STARTTLS", ehlo);
        Assert.Contains("250-AUTH PLAIN LOGIN", ehlo);
        // A development server takes AUTH in plaintext, as other mail catchers do.
        Assert.StartsWith("235 ", await client.CommandAsync("AUTH PLAIN " + B64($"\0erin\0{Password}")));
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("AUTH PLAIN " + B64($"\0erin\0{Password}")));
        await SendMessageAsync(client);
        Assert.Equal("erin", Assert.Single(_saved).User);

        Assert.StartsWith("220 2.0.0 ", await client.CommandAsync("STARTTLS"));
        using var ca = X509CertificateLoader.LoadCertificate(_certificate.Authority.RawData);
        var tls = await client.StartTlsAsync(ca);
        Assert.Equal("CN=localhost, O=Herald", tls.RemoteCertificate!.Subject);
        // RFC 3207 §4.2: the session starts over: EHLO first, STARTTLS no longer offered, the login forgotten.
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("MAIL FROM:<a@example.com>"));
        var again = (await client.CommandAsync("EHLO client.example")).Split('\n');
        Assert.DoesNotContain("250-STARTTLS", again);
        Assert.Contains("250-AUTH PLAIN LOGIN", again);
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("STARTTLS"));
        await SendMessageAsync(client);
        Assert.Null(_saved.Last().User);
        Assert.StartsWith("235 ", await client.CommandAsync("AUTH PLAIN " + B64($"\0frank\0{Password}")));
        await SendMessageAsync(client);
        Assert.Equal("frank", _saved.Last().User);
        Assert.Contains("X-Herald-Tls: TLSv1.", await File.ReadAllTextAsync(_saved.Last().Path));
    }

    [Fact]
    public async Task CommandsPipelinedBehindStartTlsAreDiscarded()
    {
        using var client = await ConnectAsync();
        await client.CommandAsync("EHLO client.example");
        // Plaintext sent after STARTTLS and before the handshake could be injected by anyone on the path
        // (CVE-2011-0411): it must not be executed inside the TLS session.
        await client.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n");
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        using var ca = X509CertificateLoader.LoadCertificate(_certificate.Authority.RawData);
        await client.StartTlsAsync(ca);
        Assert.StartsWith("250-localhost greets client.example", await client.CommandAsync("EHLO client.example"));
        Assert.StartsWith("250 2.1.0 ", await client.CommandAsync("MAIL FROM:<real@example.com>"));
    }

    [Theory]
    [InlineData("AUTH CRAM-MD5", "504 5.5.4")]
    [InlineData("AUTH", "501 5.5.4")]
    [InlineData("AUTH PLAIN a b", "501 5.5.4")]
    [InlineData("AUTH PLAIN not-base64!", "501 5.5.2")]
    [InlineData("AUTH PLAIN dXNlcg==", "501 5.5.2")] // "user": no NUL separators
    [InlineData("AUTH PLAIN AAAA", "501 5.5.2")]     // three NUL bytes: four fields
    [InlineData("AUTH PLAIN AGEKYgBj", "501 5.5.2")] // user name "a\nb": would break the saved file's header
    [InlineData("AUTH PLAIN =", "501 5.5.2")]        // empty response
    [InlineData("AUTH PLAIN *", "501 5.0.0")]        // cancelled
    [InlineData("STARTTLS now", "501 5.5.4")]
    public async Task BadAuthAndStartTlsCommandsGetTheRightError(string command, string expected)
    {
        using var client = await ConnectAsync();
        await client.CommandAsync("EHLO client.example");
        Assert.StartsWith(expected + " ", await client.CommandAsync(command));
        // Nothing was accepted: a correct AUTH still works.
        Assert.StartsWith("235 ", await client.CommandAsync("AUTH PLAIN " + B64($"\0gina\0{Password}")));
    }

    [Fact]
    public async Task AuthNeedsEhloAndIsRefusedInsideATransaction()
    {
        using var client = await ConnectAsync();
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("AUTH PLAIN " + B64($"\0h\0{Password}")));
        await client.CommandAsync("EHLO client.example");
        Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<a@example.com> AUTH=<>"));
        Assert.StartsWith("503 5.5.1 ", await client.CommandAsync("AUTH PLAIN " + B64($"\0h\0{Password}")));
        Assert.StartsWith("250 ", await client.CommandAsync("RSET"));
        Assert.StartsWith("501 5.5.4 ", await client.CommandAsync("MAIL FROM:<a@example.com> AUTH=bad=xtext"));
        Assert.Equal("334 VXNlcm5hbWU6", await client.CommandAsync("AUTH LOGIN"));
        Assert.StartsWith("501 5.0.0 ", await client.CommandAsync("*"));
    }

    [Fact]
    public async Task AClientThatRejectsTheCertificateIsReportedAsATlsFailure()
    {
        using var client = await ConnectAsync();
        await client.CommandAsync("EHLO client.example");
        Assert.StartsWith("220 ", await client.CommandAsync("STARTTLS"));
        using var otherCa = X509CertificateLoader.LoadCertificate(
            CaptureCertificateTests.OtherAuthority(Path.Combine(_dir, "other")).RawData);
        await Assert.ThrowsAnyAsync<System.Security.Authentication.AuthenticationException>(() => client.StartTlsAsync(otherCa));
        client.Dispose(); // a client that refuses the certificate gives up on the connection
        for (int i = 0; i < 100 && _failures.IsEmpty; i++)
        {
            await Task.Delay(50);
        }
        var failure = Assert.IsType<CaptureTlsException>(Assert.Single(_failures));
        Assert.Contains("TLS handshake", failure.Message);
        _failures.Clear();
    }

    private async Task SendMessageAsync(RawSmtpClient client)
    {
        int before = _saved.Count;
        Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<app@example.com>"));
        Assert.StartsWith("250 ", await client.CommandAsync("RCPT TO:<qa@example.com>"));
        Assert.StartsWith("354 ", await client.CommandAsync("DATA"));
        Assert.StartsWith("250 ", await client.CommandAsync("Subject: test\r\n\r\nbody\r\n."));
        Assert.Equal(before + 1, _saved.Count);
    }
}
