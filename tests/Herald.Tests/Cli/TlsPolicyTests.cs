using System.CommandLine;
using Herald.Cli;
using Herald.Cli.Options;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>
/// How <c>--tls</c> becomes the component's settings, and the hints that follow a failure. The sessions themselves are
/// in <see cref="EndToEndTests"/> (fake servers) and in the integration tests (real servers).
/// </summary>
public class TlsPolicyTests
{
    private static (Smtp Smtp, ConnectionPlan Plan, string Warnings) Apply(string server, params string[] args)
    {
        var options = new ConnectionOptions(withAuth: true);
        var command = new Command("send");
        options.AddTo(command);
        var result = command.Parse(args);
        Assert.Empty(result.Errors);
        var warnings = new StringWriter();
        var env = new CliEnvironment
        {
            Out = TextWriter.Null,
            Error = warnings,
            OpenInput = () => Stream.Null,
            IsInputRedirected = false,
            GetVariable = name => name == "PW" ? "secret" : null,
        };
        var smtp = new Smtp();
        var plan = options.Apply(result, smtp, ServerAddress.Parse(server), env, options.Resolve(result, env));
        return (smtp, plan, warnings.ToString());
    }

    [Theory]
    // auto, given or by default: implicit TLS on 465 only, STARTTLS on every other port (never the component's
    // sslAutomatic, which would start TLS on the first byte of port 2525).
    [InlineData("mx.example.com", new string[0], 25, SmtpSSLStartModes.sslExplicit, true)]
    [InlineData("mx.example.com:587", new string[0], 587, SmtpSSLStartModes.sslExplicit, true)]
    [InlineData("localhost:2525", new string[0], 2525, SmtpSSLStartModes.sslExplicit, true)]
    [InlineData("localhost:1025", new[] { "--tls", "auto" }, 1025, SmtpSSLStartModes.sslExplicit, true)]
    [InlineData("mx.example.com:465", new string[0], 465, SmtpSSLStartModes.sslImplicit, false)]
    // With credentials a server without STARTTLS is refused, never used in plaintext.
    [InlineData("localhost:2525", new[] { "--user", "me", "--password-env", "PW" }, 2525, SmtpSSLStartModes.sslExplicit, false)]
    [InlineData("mx.example.com:587", new[] { "--user", "me", "--auth", "ntlm" }, 587, SmtpSSLStartModes.sslExplicit, false)]
    // The explicit modes are what they say.
    [InlineData("localhost:2525", new[] { "--tls", "starttls" }, 2525, SmtpSSLStartModes.sslExplicit, false)]
    [InlineData("mx.example.com", new[] { "--tls", "implicit" }, 465, SmtpSSLStartModes.sslImplicit, false)]
    [InlineData("localhost:25", new[] { "--tls", "none" }, 25, SmtpSSLStartModes.sslNone, false)]
    public void TlsModeBecomesTheComponentsSettings(string server, string[] args, int port, SmtpSSLStartModes mode, bool fallback)
    {
        var (smtp, plan, warnings) = Apply(server, args);
        using (smtp)
        {
            Assert.Equal(port, smtp.MailPort);
            Assert.Equal(mode, smtp.SSLStartMode);
            Assert.Equal(fallback ? "True" : "False", smtp.Config("InsecureAllowStartTlsFallback"));
            Assert.Equal(args.Length == 0 || args.Contains("auto") || args.Contains("me"), plan.Auto);
            Assert.Equal(args.Contains("me"), plan.Credentials);
            Assert.Equal(port, plan.Port);
            Assert.Empty(warnings);
        }
    }

    [Theory]
    [InlineData("send")]
    [InlineData("probe")]
    public async Task HelpSaysWhatAutoDoes(string command)
    {
        var r = await CliRunner.RunAsync([command, "--help"]);
        string help = string.Join(' ', r.Out.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("auto (default): TLS from the start on port 465; on any other port STARTTLS whenever the server offers it",
            help);
        Assert.Contains("with --user both are refused", help);
    }

    private static ConnectionPlan Plan(SmtpSSLStartModes mode, bool auto, int port = 2525, bool credentials = false) => new()
    {
        Display = $"localhost:{port}",
        Host = "localhost",
        Port = port,
        Mode = mode,
        Auto = auto,
        Credentials = credentials,
    };

    [Fact]
    public void HintsPointAtTheLikelyFix()
    {
        var opportunistic = Plan(SmtpSSLStartModes.sslExplicit, auto: true);
        var untrusted = new SmtpException(SmtpErrorCodes.CertVerificationError, "The server certificate is not trusted");
        Assert.Contains("--ca FILE", opportunistic.HintFor(untrusted));
        Assert.Contains("--ca FILE", Plan(SmtpSSLStartModes.sslImplicit, auto: false, 465).HintFor(untrusted));

        // A server that says nothing may want implicit TLS: the library's timeout message says "pass --tls implicit"
        // itself in the command line's words (CliWordsTests), so no hint repeats it.
        var silent = new SmtpException(SmtpErrorCodes.Timeout, "Timeout while waiting for the server's greeting");
        Assert.Null(opportunistic.HintFor(silent));

        // A handshake that fails after STARTTLS, with nothing secret to send: plaintext is the user's call.
        var handshake = new SmtpException(SmtpErrorCodes.TlsHandshakeError, "The TLS handshake with localhost failed: protocol version");
        Assert.Null(opportunistic.HintFor(handshake)); // STARTTLS was never sent: not this case
        Assert.Null(Plan(SmtpSSLStartModes.sslExplicit, auto: false).HintFor(handshake));

        // auto on 465 means TLS from the first byte; a plaintext server there answers garbage.
        var frame = new SmtpException(SmtpErrorCodes.TlsHandshakeError, "The TLS handshake failed: corrupted frame");
        Assert.Contains("--tls starttls", Plan(SmtpSSLStartModes.sslImplicit, auto: true, 465).HintFor(frame));
        Assert.Null(Plan(SmtpSSLStartModes.sslImplicit, auto: false, 465).HintFor(frame));

        Assert.Null(opportunistic.HintFor(new SmtpException(SmtpErrorCodes.ProtocolError, "550 no")));
        // A server that wants a client certificate is not a trust problem of ours.
        Assert.Null(Plan(SmtpSSLStartModes.sslExplicit, auto: true, 25).HintFor(
            new SmtpException(SmtpErrorCodes.ProtocolError, "421 4.7.1 Error: No client certificate presented")));
        // The library's own message says "pass --tls starttls" in the command line's words (see CliWordsTests): no
        // second hint repeats it.
        var noAuth = new SmtpException(SmtpErrorCodes.NotSupported,
            "--user is set, but the server does not offer authentication (no AUTH in its EHLO reply). Many servers offer AUTH " +
            "only after STARTTLS: pass --tls starttls.");
        Assert.Null(Plan(SmtpSSLStartModes.sslNone, auto: false).HintFor(noAuth));
    }

    [Fact]
    public void OnlyAFailureBeforeStartTlsWithCredentialsIsExplainedAsTheAutoPolicy()
    {
        var noStartTls = new SmtpException(SmtpErrorCodes.TlsHandshakeError, "the server does not offer STARTTLS");
        // Nothing was observed (the server never spoke): not the policy's doing.
        Assert.Null(Plan(SmtpSSLStartModes.sslExplicit, auto: true, credentials: true).Explain(noStartTls));
        Assert.Null(Plan(SmtpSSLStartModes.sslExplicit, auto: true, credentials: false).Explain(noStartTls));
        Assert.Null(Plan(SmtpSSLStartModes.sslExplicit, auto: false, credentials: true).Explain(noStartTls));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.3.4.5", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST.", true)]
    [InlineData("mail.localhost", true)]
    [InlineData("192.0.2.7", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("::", false)]
    [InlineData("0.0.0.0", false)]
    public async Task LoopbackIsDecidedByAddressOrName(string host, bool loopback) =>
        Assert.Equal(loopback, await ConnectionPlan.IsLoopbackAsync(host, CancellationToken.None));
}
