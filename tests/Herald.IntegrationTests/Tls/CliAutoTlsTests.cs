using System.Net.Sockets;
using Herald.Cli;
using Herald.Cli.Capture;
using Herald.Cli.Commands;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// The command line's default, <c>--tls auto</c>, against real servers, as a new user meets it: no <c>--tls</c> at all.
/// Implicit TLS on port 465; on every other port STARTTLS when offered, with the certificate checked; without
/// credentials an unverifiable certificate or a missing STARTTLS is tolerated (with a warning where it matters), with
/// credentials both are refused before anything secret is sent.
/// </summary>
public sealed class CliAutoTlsTests
{
    private const string UnverifiedWarning = "could not be verified";

    public static TheoryData<string> Commands => new() { "send", "probe", "verify", "expand" };

    /// <summary>The command line for one of <see cref="Commands"/> against a server, without --tls.</summary>
    private static string[] Command(string command, string server, string marker) => command switch
    {
        "send" =>
        [
            "send", "--server", server, "--from", "herald-cli-auto@example.org", "--to", "cli-auto@example.com",
            "--subject", "CLI auto TLS test", "--header", "X-Test-Id: " + marker, "--body", "Sent by herald.\n" + marker + "\n",
            "--timeout", "20", "--trace",
        ],
        "probe" => ["probe", "--server", server, "--timeout", "20", "--trace"],
        "verify" => ["verify", "user@example.test", "--server", server, "--timeout", "20", "--trace"],
        "expand" => ["expand", "staff", "--server", server, "--timeout", "20", "--trace"],
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, null),
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task WithoutCaEveryCommandUsesStartTlsOnPostfixAndWarnsThatTheServerIsNotAuthenticated(string command)
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        string marker = Peers.NewMarker();

        var run = await HeraldCli.RunAsync(Command(command, $"localhost:{Peers.PostfixOpen}", marker));

        AssertReachedTheCommandOverStartTls(command, run);
        string warning = Assert.Single(run.Warnings);
        Assert.Contains($"the certificate of localhost:{Peers.PostfixOpen} {UnverifiedWarning}", warning);
        Assert.Contains("unknown CA", warning);
        Assert.Contains("--ca FILE", warning);
        if (command == "send")
        {
            Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
        }
        if (command == "probe")
        {
            Assert.Matches(@"(?m)^Certificate +.*CN=localhost.* \(NOT verified: .*unknown CA.*\)$", run.Out);
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task WithCaEveryCommandUsesStartTlsOnPostfixWithoutAWarning(string command)
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        string marker = Peers.NewMarker();

        var run = await HeraldCli.RunAsync([.. Command(command, $"localhost:{Peers.PostfixOpen}", marker), "--ca", Peers.CaPem]);

        AssertReachedTheCommandOverStartTls(command, run);
        Assert.Empty(run.Warnings);
        if (command == "send")
        {
            Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
        }
        if (command == "probe")
        {
            Assert.DoesNotContain("NOT verified", run.Out);
        }
    }

    /// <summary>STARTTLS came first, then the command itself went over the encrypted session and got Postfix's
    /// answer. Postfix has no EXPN, so expand ends with the server's 500, not with a TLS failure.</summary>
    private static void AssertReachedTheCommandOverStartTls(string command, CliRun run)
    {
        var client = run.ClientLines;
        int startTls = client.ToList().IndexOf("STARTTLS");
        Assert.True(startTls > 0, run.ToString());
        Assert.Matches(@"(?m)^S: 220 2\.0\.0 Ready to start TLS", run.Error);
        string verb = command switch { "send" => "MAIL FROM:", "verify" => "VRFY ", "expand" => "EXPN ", _ => "QUIT" };
        int done = client.ToList().FindIndex(l => l.StartsWith(verb, StringComparison.Ordinal));
        Assert.True(done > startTls, run.ToString());
        if (command == "expand")
        {
            Assert.True(run.ExitCode == ExitCodes.Unavailable, run.ToString());
            Assert.Matches(@"(?m)^herald: error: .*: 500 5\.5\.2 Error: command not recognized", run.Error);
        }
        else
        {
            Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        }
        if (command == "probe")
        {
            Assert.Matches(@"(?m)^TLS +TLS1\.[23], TLS_[A-Z0-9_]+$", run.Out);
        }
        if (command == "verify")
        {
            Assert.StartsWith("252 ", run.Out.Trim());
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task AiosmtpdWithoutStartTlsIsUsedInPlaintextWithoutAWarningOnLoopback(string command)
    {
        Peers.RequirePeer(Peers.AiosmtpdExpn);
        string marker = Peers.NewMarker();

        var run = await HeraldCli.RunAsync(Command(command, $"127.0.0.1:{Peers.AiosmtpdExpn}", marker));

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.DoesNotContain("STARTTLS", run.ClientLines);
        Assert.Empty(run.Warnings);
        switch (command)
        {
            case "send":
                Assert.Single(await Peers.WaitForCapturesAsync(Peers.AiosmtpdExpnCaptureDir, marker));
                break;
            case "probe":
                Assert.Contains("none: the server does not offer STARTTLS", run.Out);
                break;
            case "verify":
                Assert.Equal("250 2.1.5 Test User <user@example.test>", run.Out.Trim());
                break;
            case "expand":
                Assert.Equal(3, run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
                break;
        }
    }

    /// <summary>
    /// <c>herald capture</c> offers STARTTLS with a certificate from its own CA, so the default mode encrypts: without
    /// <c>--ca</c> the session goes on unauthenticated (nothing secret is sent) and the warning names <c>--ca</c>;
    /// with the capture's <c>tls/ca.pem</c> it is verified and nothing is said.
    /// </summary>
    [Fact]
    public async Task HeraldCaptureOnItsDefaultPortTakesTheDefaultModeWithStartTls()
    {
        string directory = Directory.CreateTempSubdirectory("herald-cli-auto-").FullName;
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var (capture, server) = await StartCaptureOnDefaultPortAsync(directory, stop.Token);
            Assert.Equal(CaptureCommand.DefaultPort, server.EndPoint.Port);
            string unverified = Peers.NewMarker();
            string verified = Peers.NewMarker();

            var first = await HeraldCli.RunAsync(Command("send", $"127.0.0.1:{CaptureCommand.DefaultPort}", unverified));
            var second = await HeraldCli.RunAsync([.. Command("send", $"127.0.0.1:{CaptureCommand.DefaultPort}", verified),
                "--ca", Path.Combine(directory, "tls", "ca.pem")]);

            await stop.CancelAsync();
            var captured = await capture;
            Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
            Assert.Contains("STARTTLS", first.ClientLines);
            Assert.Contains(first.Warnings, w => w.Contains("--ca", StringComparison.Ordinal));
            Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
            Assert.Contains("STARTTLS", second.ClientLines);
            Assert.Empty(second.Warnings);
            Assert.Equal(ExitCodes.Ok, captured.ExitCode);
            var saved = captured.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(File.Exists).ToList();
            Assert.Equal(2, saved.Count);
            Assert.All(saved, path => Assert.Equal(directory, Path.GetDirectoryName(path)));
            string all = string.Concat(saved.Select(File.ReadAllText));
            Assert.Contains(unverified, all);
            Assert.Contains(verified, all);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Runs <c>herald capture</c> without --port. Another test run may hold the port for a moment, so a busy
    /// port is tried again for a while before the test gives up.</summary>
    private static async Task<(Task<CliRun> Capture, CaptureServer Server)> StartCaptureOnDefaultPortAsync(string directory,
        CancellationToken stop)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var started = new TaskCompletionSource<CaptureServer>(TaskCreationOptions.RunContinuationsAsynchronously);
            var capture = HeraldCli.RunAsync(["capture", "--capture-dir", directory], stop, started.SetResult);
            var first = await Task.WhenAny(started.Task, capture).WaitAsync(TimeSpan.FromSeconds(30), stop);
            if (first == started.Task)
            {
                return (capture, await started.Task);
            }
            var ended = await capture;
            if (!ended.Error.Contains("already in use", StringComparison.Ordinal) || DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"herald capture did not start on port {CaptureCommand.DefaultPort}: {ended}");
            }
            await Task.Delay(500, stop);
        }
    }

    [Fact]
    public async Task Port465IsImplicitTlsAndItsCertificateIsValidated()
    {
        Peers.RequirePeer(Peers.PostfixImplicitTls);
        // Postfix's implicit-TLS port, reached on 465 itself through a byte-for-byte relay.
        await using var relay = TcpRelay.Start(465, Peers.PostfixImplicitTls);
        string marker = Peers.NewMarker();

        var with = await HeraldCli.RunAsync([.. Command("send", "localhost:465", marker), "--ca", Peers.CaPem]);
        var without = await HeraldCli.RunAsync(Command("send", "localhost:465", marker));

        Assert.True(with.ExitCode == ExitCodes.Ok, with.ToString());
        Assert.Empty(with.Warnings);
        Assert.DoesNotContain("STARTTLS", with.ClientLines); // TLS from the first byte: there was nothing to upgrade
        Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
        // On 465 the certificate is checked even with nothing secret to send.
        Assert.True(without.ExitCode == ExitCodes.NoPermission, without.ToString());
        Assert.Contains("unknown CA", without.Error);
        Assert.Empty(without.ClientLines);
    }

    [Fact]
    public async Task ImplicitTlsOn25465WithCaDelivers()
    {
        Peers.RequirePeer(Peers.PostfixImplicitTls);
        string marker = Peers.NewMarker();

        var run = await HeraldCli.RunAsync([.. Command("send", $"localhost:{Peers.PostfixImplicitTls}", marker),
            "--tls", "implicit", "--ca", Peers.CaPem]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Empty(run.Warnings);
        Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
    }

    private static string[] Login(string server) =>
    [
        "send", "--server", server, "--user", Peers.User, "--password-env", HeraldCli.PasswordVariable,
        "--from", Peers.User, "--to", "cli-auto-login@example.com", "--body", "x", "--timeout", "20", "--trace",
    ];

    [Fact]
    public async Task AServerWithoutStartTlsGetsNoPasswordEvenOnLoopback()
    {
        // smtp-sink offers AUTH PLAIN LOGIN and no STARTTLS: exactly where a password would go out in the clear.
        Peers.RequirePeer(Peers.SmtpSink);

        var run = await HeraldCli.RunAsync(Login($"127.0.0.1:{Peers.SmtpSink}"));
        // The control: --tls none keeps the older rule (PLAIN allowed to loopback), and the same server gets AUTH.
        var control = await HeraldCli.RunAsync([.. Login($"127.0.0.1:{Peers.SmtpSink}"), "--tls", "none"]);

        Assert.True(run.ExitCode == ExitCodes.Unavailable, run.ToString());
        Assert.Contains("does not offer STARTTLS", run.Error);
        Assert.Contains("Nothing was sent", run.Error);
        Assert.Equal(["EHLO"], run.ClientLines.Select(l => l.Split(' ')[0]));
        Assert.DoesNotContain(Peers.Password, run.Error + run.Out);
        Assert.Contains(control.ClientLines, l => l.StartsWith("AUTH ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Peers.PostfixAuth)]
    [InlineData(Peers.DovecotSubmission)]
    public async Task AnUnverifiedCertificateGetsNoPassword(int port)
    {
        Peers.RequirePeer(port);

        var run = await HeraldCli.RunAsync(Login($"localhost:{port}"));
        // The control: trusting the test CA is all it takes for the same login to go through.
        var control = await HeraldCli.RunAsync([.. Login($"localhost:{port}"), "--ca", Peers.CaPem]);

        Assert.True(run.ExitCode == ExitCodes.NoPermission, run.ToString());
        Assert.Contains("unknown CA", run.Error);
        Assert.Contains("--ca FILE", run.Error); // the hint
        Assert.DoesNotContain(UnverifiedWarning, run.Error); // refused, not tolerated
        Assert.Equal("STARTTLS", run.ClientLines[^1]); // the handshake failed; nothing followed it
        Assert.DoesNotContain(run.ClientLines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.True(control.ExitCode == ExitCodes.Ok, control.ToString());
        Assert.Contains(control.ClientLines, l => l.StartsWith("AUTH ", StringComparison.Ordinal));
    }
}
