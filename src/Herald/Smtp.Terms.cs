using Herald.Transport;

namespace Herald;

public partial class Smtp
{
    /// <summary>The component's names for its settings, which the engine's messages use.</summary>
    internal static SettingTerms Terms { get; } = new()
    {
        Server = "MailServer",
        Port = "MailPort",
        LocalHost = "LocalHost",
        LocalPort = "LocalPort",
        AddressFamily = preference => $"UseIPv6={(int)preference}",
        TryBothFamilies = "set UseIPv6=2",
        AbsoluteTimeout = "AbsoluteTimeout",
        InterruptedBy = "Interrupt was called",
        MaxLineLength = "MaxLineLength",
        HelloName = "The Hello name",
        UseImplicitTls = "set SSLStartMode to sslImplicit",
        StartTlsRequired = "SSLStartMode is explicit",
        UseStartTlsForAuth = "set SSLStartMode to sslExplicit (or sslAutomatic)",
        UseTlsForAuth = "Use TLS (SSLStartMode sslExplicit or sslImplicit)",
        AllowPlaintextAuth = "set config InsecureAllowPlaintextAuth=True",
        StartTlsFallback = "because InsecureAllowStartTlsFallback is set",
        ClientCertificate = "SSLCert",
        CipherSuites = "SSLEnabledCipherSuites",
        TlsVersions = "SSLEnabledProtocols",
        CipherStrength = "SSLCipherStrength",
        KeyLogFile = "SSLKeyLogFile",
        ReuseSession = "ReuseSSLSession",
        TrustedCAs = "SSLServerCACerts",
        AddTrustedCA = "add the issuing CA certificate (PEM) to SSLServerCACerts",
        CABundleFiles = "CACertFilePaths",
        ExtraChainCerts = "SSLCACerts",
        CertificateEvent = "SSLServerAuthentication",
        PinnedCertificate = "SSLAcceptServerCert",
        SecurityFlags = "SSLSecurityFlags",
        CrlRequired = "SSLCheckCRL=2",
        OcspRequired = "SSLCheckOCSP=2",
        Tls12SignatureAlgorithms = "TLS12SignatureAlgorithms",
        Tls13SignatureAlgorithms = "TLS13SignatureAlgorithms",
        User = "User",
        Password = "Password",
        AuthorizationIdentity = "AuthorizationIdentity",
        OAuthToken = "the AuthorizationIdentity configuration setting",
        AuthMechanism = "AuthMechanism",
        ProxyHost = "Firewall.Host",
        ProxyPort = "Firewall.Port",
        ProxyUser = "Firewall.User",
        ProxyPassword = "Firewall.Password",
    };

    /// <summary>
    /// The words this instance's error messages use for the settings they tell the user to change: by default the
    /// component's property names (MailServer, SSLStartMode ...). An application that sets the component up from options
    /// of its own gives its own words, so that what a message asks its user to change is something that user can change,
    /// for example <c>smtp.MessageTerms = SettingTerms.Neutral with { Server = "--server" }</c>.
    /// </summary>
    /// <value>The words; the default is the component's own.</value>
    /// <exception cref="ArgumentNullException">The value set is null.</exception>
    public SettingTerms MessageTerms
    {
        get => _settings.Terms;
        set => _settings.Terms = value ?? throw new ArgumentNullException(nameof(value));
    }
}
