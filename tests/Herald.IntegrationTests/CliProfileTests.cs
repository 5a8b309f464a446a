using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Herald.Cli;
using Herald.IntegrationTests.Support;
using Xunit;

namespace Herald.IntegrationTests;

/// <summary>
/// The <c>herald</c> command line against real servers: a send through an account of the config file, <c>--auth
/// auto</c> choosing SCRAM-SHA-256 where Dovecot and Cyrus offer it, the <c>--json</c> shapes against Postfix and
/// aiosmtpd, the TLS facts in <c>--trace</c>, and <c>probe --show-untrusted-certificate</c>.
/// </summary>
public sealed class CliProfileTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("herald-profile-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private Dictionary<string, string> WriteConfig(string text)
    {
        string path = Path.Combine(_home, "xdg", "herald", "config.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return new Dictionary<string, string> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = Path.Combine(_home, "xdg") };
    }

    [Fact]
    public async Task SendWithAnAccountReachesDovecotWithItsPasswordCommand()
    {
        Peers.RequirePeer(Peers.DovecotSubmission);
        string marker = Peers.NewMarker();
        string passwordFile = Path.Combine(_home, "pw");
        File.WriteAllText(passwordFile, Peers.Password + "\n");
        var variables = WriteConfig($"""
            [accounts.work]
            server = "{Peers.Host}:{Peers.DovecotSubmission}"
            tls = "starttls"
            ca = "{Peers.CaPem}"
            user = "{Peers.User}"
            password_command = "cat {passwordFile}"
            from = "{Peers.User}"
            helo = "profile.herald.test"
            """);

        var run = await HeraldCli.RunAsync(["send", "--account", "work", "--to", Peers.User, "--subject", marker, "--body", "hi",
            "--trace"], extraVariables: variables);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("EHLO profile.herald.test", run.ClientLines);
        Assert.Contains("AUTH SCRAM-SHA-256 ****", run.ClientLines);
        Assert.DoesNotContain(Peers.Password, run.Error);
        await Peers.WaitForMaildirMessageAsync(marker);
    }

    [Theory]
    [InlineData(Peers.DovecotSubmission)]
    [InlineData(Peers.PostfixAuthCyrus)]
    public async Task AuthAutoChoosesScramSha256WhereItIsOffered(int port)
    {
        Peers.RequirePeer(port);
        string[] tls = port == Peers.DovecotSubmission ? ["--ca", Peers.CaPem] : ["--tls", "none"];

        var run = await HeraldCli.RunAsync(["verify", Peers.User, "--server", $"{Peers.Host}:{port}", .. tls, "--user", Peers.User,
            "--password-env", HeraldCli.PasswordVariable, "--trace"]);

        // Logged in with SCRAM-SHA-256 (whatever the server then says to VRFY), and the server's proof was checked.
        Assert.Contains("AUTH SCRAM-SHA-256 ****", run.ClientLines);
        Assert.Contains($"Authenticated as \"{Peers.User}\" with SCRAM-SHA-256.", run.Error);
        Assert.DoesNotContain(run.ClientLines, l => l.StartsWith("AUTH PLAIN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendJsonAgainstPostfixHasTheDocumentedShape()
    {
        Peers.RequirePeer(Peers.PostfixOpen);
        string marker = Peers.NewMarker();

        var run = await HeraldCli.RunAsync(["send", "--server", $"{Peers.Host}:{Peers.PostfixOpen}", "--ca", Peers.CaPem,
            "--from", "sender@example.test", "--to", "to@example.test", "--bcc", "reject-bcc@example.test", "--subject", marker,
            "--body", "hi", "--json"]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal($"{Peers.Host}:{Peers.PostfixOpen}", root.GetProperty("server").GetString());
        Assert.StartsWith("TLS1.", root.GetProperty("tls").GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("captured").ValueKind);
        Assert.Equal(["to@example.test"], root.GetProperty("accepted").EnumerateArray().Select(a => a.GetString()));
        var rejected = Assert.Single(root.GetProperty("rejected").EnumerateArray());
        Assert.Equal("reject-bcc@example.test", rejected.GetProperty("address").GetString());
        Assert.Contains("550", rejected.GetProperty("reason").GetString());
        var reply = root.GetProperty("reply");
        Assert.Equal(250, reply.GetProperty("code").GetInt32());
        Assert.Equal("2.0.0", reply.GetProperty("enhancedStatusCode").GetString());
        await Peers.WaitForMaildirMessageAsync(marker);
    }

    [Fact]
    public async Task ProbeJsonListsPostfixsCapabilitiesAndCertificate()
    {
        Peers.RequirePeer(Peers.PostfixOpen);

        var run = await HeraldCli.RunAsync(["probe", "--server", $"{Peers.Host}:{Peers.PostfixOpen}", "--ca", Peers.CaPem, "--json"]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;
        Assert.Equal("probe", root.GetProperty("command").GetString());
        Assert.Contains("ESMTP Postfix", root.GetProperty("greeting")[0].GetString());
        Assert.True(root.GetProperty("extended").GetBoolean());
        var certificate = root.GetProperty("certificate");
        Assert.True(certificate.GetProperty("verified").GetBoolean());
        Assert.Contains("CN=localhost", certificate.GetProperty("subject").GetString());
        Assert.Equal(JsonValueKind.Null, certificate.GetProperty("pem").ValueKind);
        var size = root.GetProperty("capabilities").EnumerateArray().Single(c => c.GetProperty("keyword").GetString() == "SIZE");
        Assert.Equal(Peers.PostfixMaxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            size.GetProperty("parameters").GetString());
    }

    [Fact]
    public async Task VerifyAndExpandJsonAgainstAiosmtpd()
    {
        Peers.RequirePeer(Peers.AiosmtpdExpn);
        string server = $"{Peers.Host}:{Peers.AiosmtpdExpn}";

        var verify = await HeraldCli.RunAsync(["verify", "user", "--server", server, "--tls", "none", "--json"]);
        var expand = await HeraldCli.RunAsync(["expand", "staff", "--server", server, "--tls", "none", "--json"]);
        var unknown = await HeraldCli.RunAsync(["expand", "nosuch", "--server", server, "--tls", "none", "--json"]);

        using (var json = JsonDocument.Parse(verify.Out))
        {
            var reply = json.RootElement.GetProperty("reply");
            Assert.Equal(250, reply.GetProperty("code").GetInt32());
            Assert.Equal("2.1.5", reply.GetProperty("enhancedStatusCode").GetString());
            Assert.Contains("Test User <user@example.test>", reply.GetProperty("lines")[0].GetString());
        }
        using (var json = JsonDocument.Parse(expand.Out))
        {
            Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
            Assert.Equal("staff", json.RootElement.GetProperty("list").GetString());
            Assert.Equal(3, json.RootElement.GetProperty("members").GetArrayLength());
        }
        using (var json = JsonDocument.Parse(unknown.Out))
        {
            Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
            Assert.Equal(unknown.ExitCode, json.RootElement.GetProperty("exitCode").GetInt32());
            Assert.Equal(550, json.RootElement.GetProperty("error").GetProperty("replyCode").GetInt32());
            Assert.Equal(0, json.RootElement.GetProperty("members").GetArrayLength());
        }
    }

    [Fact]
    public async Task TraceShowsTheTlsHandshakeResult()
    {
        Peers.RequirePeer(Peers.PostfixOpen);

        var run = await HeraldCli.RunAsync(["probe", "--server", $"{Peers.Host}:{Peers.PostfixOpen}", "--ca", Peers.CaPem, "--trace"]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        using var server = X509CertificateLoader.LoadCertificateFromFile(Peers.ServerCertificate);
        var notes = run.Error.Split('\n').Where(l => l.StartsWith("*  TLS: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(notes, n => n.Contains($"Server certificate: {server.Subject}, issued by {server.Issuer}",
            StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("TLS handshake complete: TLS1.", StringComparison.Ordinal)
                                    && n.Contains("TLS_", StringComparison.Ordinal));
        // In the order it happened: after STARTTLS, before the second EHLO.
        int startTls = run.Error.IndexOf("C: STARTTLS", StringComparison.Ordinal);
        int complete = run.Error.IndexOf("TLS handshake complete", StringComparison.Ordinal);
        Assert.InRange(complete, startTls, run.Error.LastIndexOf("C: EHLO", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProbeShowsTheCertificateItRefused()
    {
        Peers.RequirePeer(Peers.PostfixImplicitTls);

        var run = await HeraldCli.RunAsync(["probe", "--server", $"{Peers.Host}:{Peers.PostfixImplicitTls}", "--tls", "implicit",
            "--show-untrusted-certificate"]);

        Assert.Equal(ExitCodes.NoPermission, run.ExitCode);
        using var server = X509CertificateLoader.LoadCertificateFromFile(Peers.ServerCertificate);
        string fingerprint = string.Join(':', Convert.ToHexString(SHA256.HashData(server.RawData)).Chunk(2).Select(c => new string(c)));
        Assert.Contains($"SHA-256      {fingerprint}", run.Out);
        Assert.Contains(server.ExportCertificatePem(), run.Out.ReplaceLineEndings("\n"));
        Assert.Contains("unknown CA", run.Out);
    }
}
