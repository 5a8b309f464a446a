namespace Herald.Cli.Options;

/// <summary>
/// The command line's words for the settings that the library's messages mention. The library phrases a message that
/// tells its user what to change with the words of the component it is used through; <c>herald</c> gives the
/// component these instead, so its errors name <c>--tls implicit</c> or <c>--ca</c>, never a property such as
/// SSLStartMode that a user of the tool cannot set. Settings the tool has no option for keep the library's neutral
/// words (<see cref="SettingTerms.Neutral"/>), which name no property either.
/// </summary>
internal static class CliTerms
{
    /// <summary>The words.</summary>
    public static SettingTerms Words { get; } = SettingTerms.Neutral with
    {
        Server = "--server",
        Port = "the port (--server HOST:PORT)",
        HelloName = "The --helo name",
        UseImplicitTls = "pass --tls implicit",
        StartTlsRequired = "--tls starttls requires TLS through STARTTLS,",
        UseStartTlsForAuth = "pass --tls starttls",
        UseTlsForAuth = "Use TLS (--tls starttls or --tls implicit)",
        AllowPlaintextAuth = "pass --allow-plaintext-auth",
        StartTlsFallback = "(--tls auto goes on without it when nothing secret is sent)",
        ClientCertificate = "--client-cert",
        TrustedCAs = "the --ca file",
        CertificateEvent = null,
        PinnedCertificate = null,
        SecurityFlags = null,
        User = "--user",
        Password = "a password (--password-env, --password-file or an account's password_command)",
        OAuthToken = "the variable named by --oauth-token-env",
        AuthMechanism = "--auth",
    };
}
