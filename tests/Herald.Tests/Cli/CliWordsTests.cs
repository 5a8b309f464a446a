using Herald.Cli;
using Herald.Cli.Options;
using Herald.Tests.Infrastructure;
using Herald.Transport;
using Xunit;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Cli;

/// <summary>
/// The library's messages, as the command line shows them, name the command line's options (--tls implicit, --ca,
/// --allow-plaintext-auth, --user) and never a property of the Smtp component that a user of the tool cannot set.
/// </summary>
public class CliWordsTests
{
    /// <summary>Names of the component's settings that must not reach a user of the tool.</summary>
    private static readonly string[] LibraryNames =
    [
        "SSLStartMode", "sslImplicit", "sslExplicit", "SSLServerCACerts", "InsecureAllowPlaintextAuth", "MailServer", "MailPort",
        "SSLCert", "SSLServerAuthentication", "SSLAcceptServerCert", "SSLSecurityFlags", "AuthorizationIdentity", "AuthMechanism",
        "InsecureAllowStartTlsFallback",
    ];

    private static string FirstErrorLine(string stderr) =>
        stderr.Split('\n').First(l => l.StartsWith("herald: error: ", StringComparison.Ordinal));

    private static void AssertNoLibraryName(string text)
    {
        foreach (string name in LibraryNames)
        {
            Assert.DoesNotContain(name, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryWordIsTheCommandLinesOrNeutral()
    {
        var words = CliTerms.Words;
        foreach (var property in typeof(SettingTerms).GetProperties().Where(p => p.PropertyType == typeof(string)))
        {
            string? value = (string?)property.GetValue(words);
            if (value is not null)
            {
                AssertNoLibraryName(value);
                // Either the command line's own option, or the neutral phrase (a setting the tool has no option for).
                Assert.True(value.Contains("--", StringComparison.Ordinal) || value == (string?)property.GetValue(SettingTerms.Neutral),
                    $"{property.Name}: \"{value}\"");
            }
        }
    }

    [Fact]
    public async Task ASilentServerIsToldToUseTlsImplicit()
    {
        await using var server = new ScriptedServer(greeting: null);

        var r = await CliRunner.RunAsync(["probe", "--server", $"127.0.0.1:{server.Port}", "--tls", "starttls", "--timeout", "1"]);

        Assert.Equal(ExitCodes.TempFail, r.ExitCode);
        string line = FirstErrorLine(r.Error);
        Assert.Contains("pass --tls implicit", line);
        AssertNoLibraryName(r.Error);
    }

    [Fact]
    public async Task AServerWithoutStartTlsIsExplainedInTermsOfTlsStarttls()
    {
        await using var server = new ScriptedServer("220 fake ESMTP", "250-fake\n250 SIZE 1000");

        var r = await CliRunner.RunAsync(["probe", "--server", $"127.0.0.1:{server.Port}", "--tls", "starttls"]);

        Assert.NotEqual(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("--tls starttls requires TLS through STARTTLS, but the server does not offer STARTTLS", FirstErrorLine(r.Error));
        AssertNoLibraryName(r.Error);
    }

    [Fact]
    public async Task NoAuthOfferNamesUserAndTheTlsOptionThatMayBringIt()
    {
        await using var server = new ScriptedServer("220 fake ESMTP", "250-fake\n250 SIZE 1000");

        var r = await CliRunner.RunAsync(["verify", "someone", "--server", $"127.0.0.1:{server.Port}", "--tls", "none",
            "--user", "me", "--password-env", "PW"], new Dictionary<string, string> { ["PW"] = "pw" });

        string line = FirstErrorLine(r.Error);
        Assert.Contains("--user is set, but the server does not offer authentication", line);
        Assert.Contains("pass --tls starttls", line);
        AssertNoLibraryName(r.Error);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task PlaintextAuthToARemoteHostNamesAllowPlaintextAuth(ReplayMode mode) =>
        // The engine's refusal, with the words the command line gives the component.
        RunWithFactory("auth-plain-refused-in-clear.smtp", mode, (smtp, factory) =>
        {
            smtp.MessageTerms = CliTerms.Words;
            smtp.User = "alice";
            smtp.Password = "s3cret";
            smtp.MailServer = "mail.example.org";
            factory.RemoteAddress = "203.0.113.25";
        }, async (smtp, isAsync) =>
        {
            var e = await Fails(isAsync, smtp.Connect, () => smtp.ConnectAsync());
            Assert.Contains("Use TLS (--tls starttls or --tls implicit), or pass --allow-plaintext-auth", e.Message);
            AssertNoLibraryName(e.Message);
        });

    [Fact]
    public async Task AMalformedCaFileIsNamedAsTheCaFile()
    {
        string ca = Path.GetTempFileName();
        try
        {
            File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
            await using var server = new ScriptedServer("220 fake ESMTP", "250-fake\n250 STARTTLS", "220 go ahead");

            var r = await CliRunner.RunAsync(["probe", "--server", $"127.0.0.1:{server.Port}", "--tls", "starttls", "--ca", ca]);

            Assert.NotEqual(ExitCodes.Ok, r.ExitCode);
            Assert.Contains("the --ca file holds a certificate that cannot be read", FirstErrorLine(r.Error));
            AssertNoLibraryName(r.Error);
        }
        finally
        {
            File.Delete(ca);
        }
    }
}
