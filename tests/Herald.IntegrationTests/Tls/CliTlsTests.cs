using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Herald.Cli;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// The <c>herald</c> command line's TLS options end to end against Postfix, through its in-process entry point:
/// <c>--tls</c>, <c>--ca</c>, <c>--client-cert</c> (with <c>--client-key</c> and <c>--client-cert-password-env</c>) and
/// <c>--insecure-accept-any-certificate</c>.
/// </summary>
public sealed class CliTlsTests
{
    [Theory]
    [InlineData("starttls", Peers.PostfixOpen, true)]
    [InlineData("implicit", Peers.PostfixImplicitTls, true)]
    [InlineData("auto", Peers.PostfixOpen, true)] // STARTTLS, as on every port but 465
    [InlineData("none", Peers.PostfixOpen, false)]
    public async Task TlsModeIsHowTheMessageReachesPostfix(string mode, int port, bool encrypted)
    {
        Peers.RequirePeer(port);
        string marker = Peers.NewMarker();
        string[] ca = encrypted ? ["--ca", Peers.CaPem] : [];

        var run = await RunAsync([.. Send(port, marker), "--tls", mode, .. ca]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        string received = PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Equal(encrypted, received.Contains("(using TLS", StringComparison.Ordinal));
        Assert.Equal(encrypted, received.Contains(" with ESMTPS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CaIsWhatMakesPostfixsCertificateTrusted()
    {
        Peers.RequirePeer(Peers.PostfixImplicitTls);
        string marker = Peers.NewMarker();

        var without = await RunAsync([.. Send(Peers.PostfixImplicitTls, marker), "--tls", "implicit"]);
        var with = await RunAsync([.. Send(Peers.PostfixImplicitTls, marker), "--tls", "implicit", "--ca", Peers.CaPem]);

        Assert.True(without.ExitCode == ExitCodes.NoPermission, without.ToString());
        Assert.Contains("unknown CA", without.Error);
        Assert.True(with.ExitCode == ExitCodes.Ok, with.ToString());
        // Only the run with --ca delivered.
        Assert.Single(await Peers.WaitForCapturesAsync(Peers.CatchallMaildir, marker));
    }

    public static TheoryData<string[]> ClientCertificateForms => new()
    {
        { ["--client-cert", Peers.ClientPfx, "--client-cert-password-env", HeraldCli.PfxPasswordVariable] },
        { ["--client-cert", Peers.ClientPem] },
        { ["--client-cert", Peers.ClientCertificate, "--client-key", Peers.ClientKey] },
    };

    [Theory]
    [MemberData(nameof(ClientCertificateForms))]
    public async Task ClientCertIsAcceptedByThePostfixThatRequiresOne(string[] certificateOptions)
    {
        Peers.RequirePeer(Peers.PostfixClientCert);
        string marker = Peers.NewMarker();

        var run = await RunAsync([.. Send(Peers.PostfixClientCert, marker), "--tls", "starttls", "--ca", Peers.CaPem,
            .. certificateOptions]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        string received = PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.Contains("Client CN \"user@example.test\"", received);
        Assert.Contains("(verified OK)", received);
    }

    [Fact]
    public async Task WithoutClientCertThePostfixThatRequiresOneRefuses()
    {
        Peers.RequirePeer(Peers.PostfixClientCert);

        var run = await RunAsync([.. Send(Peers.PostfixClientCert, Peers.NewMarker()), "--tls", "starttls", "--ca", Peers.CaPem]);

        Assert.True(run.ExitCode == ExitCodes.TempFail, run.ToString()); // 421 is a transient refusal
        Assert.Contains("No client certificate presented", run.Error);
    }

    [Fact]
    public async Task InsecureAcceptAnyCertificateSendsWithoutTheCaAndWarns()
    {
        Peers.RequirePeer(Peers.PostfixImplicitTls);
        string marker = Peers.NewMarker();

        var run = await RunAsync([.. Send(Peers.PostfixImplicitTls, marker), "--tls", "implicit", "--insecure-accept-any-certificate"]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("herald: warning: --insecure-accept-any-certificate: the server's certificate is NOT checked", run.Error);
        Assert.Contains(" with ESMTPS", PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker)));
    }

    [Fact]
    public async Task ProbeShowsTheNegotiatedSessionAndTheCertificate()
    {
        Peers.RequirePeer(Peers.PostfixOpen);

        var run = await RunAsync(["probe", "--server", $"localhost:{Peers.PostfixOpen}", "--tls", "starttls", "--ca", Peers.CaPem,
            "--timeout", "20"]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Matches(@"(?m)^TLS +TLS1\.[23], TLS_[A-Z0-9_]+$", run.Out);
        // The names come from the certificate the peers actually serve, so that they cannot drift from certs.sh.
        using var served = X509CertificateLoader.LoadCertificateFromFile(Peers.ServerCertificate);
        Assert.Matches($"(?m)^Certificate +{Regex.Escape($"{served.Subject}; issued by {served.Issuer}")}$", run.Out);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Peers.CaPem);
        Assert.Contains("CN=localhost", served.Subject);
        Assert.Equal(ca.Subject, served.Issuer);
    }

    private static string[] Send(int port, string marker) =>
    [
        "send", "--server", $"localhost:{port}", "--from", "herald-cli-tls@example.org", "--to", "cli-tls@example.com",
        "--subject", "CLI TLS test", "--header", "X-Test-Id: " + marker, "--body", "Sent by herald.\n", "--timeout", "20",
    ];

    private static Task<CliRun> RunAsync(string[] args) => HeraldCli.RunAsync(args);
}
