using Herald.Transport;

namespace Herald;

public partial class SmtpClient
{
    /// <summary>This client's names for its settings, which the engine's messages use.</summary>
    internal static SettingTerms Terms { get; } = new()
    {
        Server = "the address given to Connect",
        Port = "the port given to Connect",
        LocalHost = "Socket.LocalAddress",
        LocalPort = "Socket.LocalPort",
        AddressFamily = preference => preference == AddressFamilyPreference.IPv4Only ? "Socket.UseIPv6 is false" : "Socket.UseIPv6 is true",
        TryBothFamilies = "set Socket.UseIPv6 to true",
        AbsoluteTimeout = "Socket.Timeout",
        InterruptedBy = "a Progress handler set Cancel, or the client was disposed",
        MaxLineLength = "the reply line limit",
        HelloName = "Domain",
        UseImplicitTls = "set TLS.TLSMode to ImplicitTls",
        StartTlsRequired = "TLS.TLSMode is ExplicitTls,",
        UseStartTlsForAuth = "set TLS.TLSMode to ExplicitTls (or Automatic)",
        UseTlsForAuth = "Use TLS (TLS.TLSMode ExplicitTls or ImplicitTls)",
        AllowPlaintextAuth = "set config InsecureAllowPlaintextAuth=True",
        StartTlsFallback = "because TLS.TLSMode is Automatic (use ExplicitTls to require TLS)",
        ClientCertificate = "ClientCerts",
        CipherSuites = "TLS.Ciphersuites",
        TlsVersions = "TLS.Versions",
        CipherStrength = "the minimum cipher strength",
        KeyLogFile = "the key log file",
        ReuseSession = "TLS.UseSessionResumption",
        TrustedCAs = "TrustedCerts",
        AddTrustedCA = "add the issuing CA certificate to TrustedCerts",
        CABundleFiles = "",
        ExtraChainCerts = "ClientCerts (after the first)",
        CertificateEvent = "CertificateValidate",
        HandlerDecides = "TLS.AutoValidateCertificates false",
        BlockedCertificates = "BlockedCerts",
        KeyExchangeGroups = "TLS.ECCurves",
        PinnedCertificate = null,
        SecurityFlags = null,
        CrlRequired = "TLS.RevocationCheck AllCRL",
        OcspRequired = "TLS.RevocationCheck AllOCSP",
        Tls12SignatureAlgorithms = "the TLS 1.2 signature algorithm list",
        Tls13SignatureAlgorithms = "the TLS 1.3 signature algorithm list",
        User = "Username",
        Password = "Password",
        AuthorizationIdentity = "the authorization identity",
        OAuthToken = "Password (the access token)",
        AuthMechanism = "config Authentications",
        ProxyHost = "Proxy.Address",
        ProxyPort = "Proxy.Port",
        ProxyUser = "Proxy.Username",
        ProxyPassword = "Proxy.Password",
    };
}
