using Herald.Transport;

namespace Herald;

/// <summary>
/// The words Herald's error messages use for the settings they tell the user to change. Each facade has its own, so a
/// user of one facade is never told to set a property that only the other has; an application that sets the
/// <see cref="Smtp"/> component up from options of its own (a command line, a configuration file) gives it its own
/// words through <see cref="Smtp.MessageTerms"/>, so that what a message asks its user to change is something that user
/// can change: start from <see cref="Neutral"/> or from the component's words and replace what differs, with a
/// <c>with</c> expression.
/// </summary>
/// <remarks>Values are names or short imperative phrases that fit into the sentences they are used in (see each
/// member). A null value means there is no such setting; messages then leave that suggestion out.</remarks>
public sealed record SettingTerms
{
    /// <summary>Words that name no property at all ("the server name", "use STARTTLS"): a start for an application's
    /// own words, where the settings it has no option for keep these.</summary>
    public static SettingTerms Neutral { get; } = new()
    {
        Server = "the server name",
        Port = "the server port",
        LocalHost = "the local address",
        LocalPort = "the local port",
        TryBothFamilies = "allow both IPv4 and IPv6",
        AbsoluteTimeout = "absolute timeout",
        InterruptedBy = "the call was interrupted",
        MaxLineLength = "the maximum reply line length",
        HelloName = "The EHLO/HELO name",
        UseImplicitTls = "use implicit TLS",
        StartTlsRequired = "TLS through STARTTLS is required",
        UseStartTlsForAuth = "use STARTTLS",
        UseTlsForAuth = "Use TLS (STARTTLS or implicit TLS)",
        AllowPlaintextAuth = "explicitly allow plaintext authentication",
        StartTlsFallback = "because TLS was asked for only where the server offers it",
        ClientCertificate = "the client certificate setting",
        CipherSuites = "the cipher suite list",
        TlsVersions = "the enabled TLS versions",
        CipherStrength = "the minimum cipher strength",
        KeyLogFile = "the key log file",
        ReuseSession = "session resumption",
        TrustedCAs = "the trusted CA certificates",
        AddTrustedCA = "add the issuing CA certificate to the trusted CA certificates",
        CABundleFiles = "the CA bundle files",
        ExtraChainCerts = "the client chain certificates",
        CertificateEvent = "certificate validation event",
        HandlerDecides = "automatic validation off",
        BlockedCertificates = "the blocked certificates",
        KeyExchangeGroups = "the allowed key-exchange groups",
        PinnedCertificate = "the accepted server certificate",
        SecurityFlags = null,
        CrlRequired = "a required CRL check",
        OcspRequired = "a required OCSP check",
        Tls12SignatureAlgorithms = "the TLS 1.2 signature algorithm list",
        Tls13SignatureAlgorithms = "the TLS 1.3 signature algorithm list",
        User = "the user name",
        Password = "the password",
        AuthorizationIdentity = "the authorization identity",
        OAuthToken = "the OAuth access token",
        AuthMechanism = "the mechanism list",
        ProxyHost = "the proxy host",
        ProxyPort = "the proxy port",
        ProxyUser = "the proxy user name",
        ProxyPassword = "the proxy password",
    };

    /// <summary>The server host name setting, as in "set {Server}" and "Check {Server}".</summary>
    public required string Server { get; init; }

    /// <summary>The server port setting.</summary>
    public required string Port { get; init; }

    /// <summary>The local address to bind.</summary>
    public required string LocalHost { get; init; }

    /// <summary>The local port to bind.</summary>
    public required string LocalPort { get; init; }

    /// <summary>The setting and value that chose the address families, e.g. "UseIPv6=0", for a parenthesis. Only the
    /// facades set it; a copy keeps the one it was made from.</summary>
    internal Func<AddressFamilyPreference, string> AddressFamily { get; init; } =
        preference => $"the address family preference ({preference})";

    /// <summary>What to do to try both address families (after "; "), e.g. "set UseIPv6=2".</summary>
    public required string TryBothFamilies { get; init; }

    /// <summary>The name of the setting that makes the timeout bound the whole call, for a parenthesis.</summary>
    public required string AbsoluteTimeout { get; init; }

    /// <summary>What interrupts a running call, as a clause for a parenthesis ("Interrupt was called").</summary>
    public required string InterruptedBy { get; init; }

    /// <summary>The setting that caps reply line length, for a parenthesis.</summary>
    public required string MaxLineLength { get; init; }

    /// <summary>The EHLO/HELO argument, at the start of a sentence ("The Hello name").</summary>
    public required string HelloName { get; init; }

    /// <summary>How to ask for implicit TLS, after ", " (an imperative clause starting with a verb).</summary>
    public required string UseImplicitTls { get; init; }

    /// <summary>The clause that says STARTTLS is required, at the start of a sentence ("X is set to ...").</summary>
    public required string StartTlsRequired { get; init; }

    /// <summary>How to ask for STARTTLS before AUTH (after ": ").</summary>
    public required string UseStartTlsForAuth { get; init; }

    /// <summary>How to protect credentials with TLS (sentence start).</summary>
    public required string UseTlsForAuth { get; init; }

    /// <summary>How to allow credentials over plaintext anyway (after ", or ").</summary>
    public required string AllowPlaintextAuth { get; init; }

    /// <summary>Why a session without STARTTLS goes on in plaintext, as a clause ("because X is set").</summary>
    public required string StartTlsFallback { get; init; }

    /// <summary>The client certificate setting.</summary>
    public required string ClientCertificate { get; init; }

    /// <summary>The cipher suite list setting.</summary>
    public required string CipherSuites { get; init; }

    /// <summary>The setting that enables TLS versions.</summary>
    public required string TlsVersions { get; init; }

    /// <summary>The minimum cipher strength setting.</summary>
    public required string CipherStrength { get; init; }

    /// <summary>The key log file setting.</summary>
    public required string KeyLogFile { get; init; }

    /// <summary>The session resumption setting.</summary>
    public required string ReuseSession { get; init; }

    /// <summary>The trusted CA certificates setting.</summary>
    public required string TrustedCAs { get; init; }

    /// <summary>How to trust the CA that issued a certificate, as an imperative clause ("add ... to ...").</summary>
    public required string AddTrustedCA { get; init; }

    /// <summary>The CA bundle files setting.</summary>
    public required string CABundleFiles { get; init; }

    /// <summary>The extra certificates sent with the client certificate.</summary>
    public required string ExtraChainCerts { get; init; }

    /// <summary>The certificate validation event, as in "the {CertificateEvent} event handler", or null when the facade's
    /// user has no such event (messages then speak of the application's decision).</summary>
    public string? CertificateEvent { get; init; }

    /// <summary>The setting (and value) that leaves the certificate decision to the certificate event alone, for a
    /// parenthesis; null when the facade has none.</summary>
    public string? HandlerDecides { get; init; }

    /// <summary>The list of certificates that are never accepted, or null when the facade has none.</summary>
    public string? BlockedCertificates { get; init; }

    /// <summary>The setting that restricts the key-exchange groups (elliptic curves), or null when the facade has none.</summary>
    public string? KeyExchangeGroups { get; init; }

    /// <summary>The setting that accepts one exact server certificate, or null when the facade has none.</summary>
    public string? PinnedCertificate { get; init; }

    /// <summary>The setting whose bits relax certificate checks, or null when the facade has none.</summary>
    public string? SecurityFlags { get; init; }

    /// <summary>The setting (and value) that makes a CRL check required, for a parenthesis.</summary>
    public required string CrlRequired { get; init; }

    /// <summary>The setting (and value) that makes an OCSP check required, for a parenthesis.</summary>
    public required string OcspRequired { get; init; }

    /// <summary>The TLS 1.2 signature algorithm list setting.</summary>
    public required string Tls12SignatureAlgorithms { get; init; }

    /// <summary>The TLS 1.3 signature algorithm list setting.</summary>
    public required string Tls13SignatureAlgorithms { get; init; }

    /// <summary>The login name setting.</summary>
    public required string User { get; init; }

    /// <summary>The password setting.</summary>
    public required string Password { get; init; }

    /// <summary>The SASL authorization identity setting.</summary>
    public required string AuthorizationIdentity { get; init; }

    /// <summary>Where the OAuth access token is set, as in "set {OAuthToken} to the token".</summary>
    public required string OAuthToken { get; init; }

    /// <summary>Where the mechanism is chosen, as in "Choose one of those in {AuthMechanism}".</summary>
    public required string AuthMechanism { get; init; }

    /// <summary>The proxy's host setting, as in "Check {ProxyHost} and {ProxyPort}".</summary>
    public string ProxyHost { get; init; } = "the proxy host";

    /// <summary>The proxy's port setting.</summary>
    public string ProxyPort { get; init; } = "the proxy port";

    /// <summary>The proxy's user name setting, as in "Set {ProxyUser} and {ProxyPassword}".</summary>
    public string ProxyUser { get; init; } = "the proxy user name";

    /// <summary>The proxy's password setting.</summary>
    public string ProxyPassword { get; init; } = "the proxy password";
}
