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
    };
}
