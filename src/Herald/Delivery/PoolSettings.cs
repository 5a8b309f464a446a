using System.Security.Cryptography.X509Certificates;
using Herald.Engine;
using Herald.Security.Tls;
using Herald.Transport;
using Herald.Transport.Proxies;

namespace Herald.Delivery;

/// <summary>Turns <see cref="SmtpPoolOptions"/> into the engine's options, checking them, in the pool's own words.</summary>
internal static class PoolSettings
{
    /// <summary>The pool's names for its settings.</summary>
    public static SettingTerms Terms { get; } = new()
    {
        Server = "Host",
        Port = "Port",
        LocalHost = "the local address",
        LocalPort = "the local port",
        AddressFamily = preference => $"addresses tried: {preference}",
        TryBothFamilies = "use a host name with an IPv4 address",
        AbsoluteTimeout = "Timeout",
        InterruptedBy = "the pool was disposed",
        MaxLineLength = "the reply line limit",
        HelloName = "HeloName",
        UseImplicitTls = "set Tls to Implicit",
        StartTlsRequired = "Tls is StartTls",
        UseStartTlsForAuth = "set Tls to StartTls",
        UseTlsForAuth = "Use TLS (Tls StartTls or Implicit)",
        AllowPlaintextAuth = "use a server that offers TLS",
        StartTlsFallback = "because Tls is Auto and the server offers no TLS",
        ClientCertificate = "a client certificate",
        CipherSuites = "the cipher suites",
        TlsVersions = "the TLS versions",
        CipherStrength = "the cipher strength",
        KeyLogFile = "the key log file",
        ReuseSession = "session resumption",
        TrustedCAs = "TrustedCaFile",
        AddTrustedCA = "add the issuing CA certificate to TrustedCaFile",
        CABundleFiles = "the system CA bundle",
        ExtraChainCerts = "the client chain",
        CertificateEvent = "certificate",
        PinnedCertificate = null,
        SecurityFlags = null,
        CrlRequired = "a required CRL check",
        OcspRequired = "a required OCSP check",
        Tls12SignatureAlgorithms = "the TLS 1.2 signature algorithms",
        Tls13SignatureAlgorithms = "the TLS 1.3 signature algorithms",
        User = "UserName",
        Password = "Password",
        AuthorizationIdentity = "the authorization identity",
        OAuthToken = "Password",
        AuthMechanism = "AuthMechanisms",
    };

    /// <summary>Checks the settings and makes the engine's options.</summary>
    /// <exception cref="SmtpException">10022: an invalid setting; 303: the CA file cannot be read.</exception>
    public static EngineOptions ToEngineOptions(SmtpPoolOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Host))
        {
            throw Invalid("Host is empty: set it to the SMTP server's host name or address.");
        }
        if (o.Port is < 1 or > 65535)
        {
            throw Invalid($"Port {o.Port} is not a TCP port (1-65535).");
        }
        if (o.MaxConnections < 1 || o.MaxMessagesPerConnection < 1 || o.MaxAttempts < 1)
        {
            throw Invalid("MaxConnections, MaxMessagesPerConnection and MaxAttempts must be at least 1.");
        }
        if (o.MaxMessagesPerSecond < 0 || o.ChunkSize < 1024)
        {
            throw Invalid("MaxMessagesPerSecond cannot be negative, and ChunkSize must be at least 1024 bytes.");
        }
        ProxySettings? proxy = null;
        if (o.Proxy.Trim().Length > 0 && !ProxyUrl.TryParse(o.Proxy.Trim(), out proxy, out string why))
        {
            throw Invalid($"Proxy is not a proxy URL the pool can use: {why}");
        }
        var trusted = new X509Certificate2Collection();
        if (o.TrustedCaFile.Length > 0)
        {
            string pem;
            try
            {
                pem = File.ReadAllText(o.TrustedCaFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"TrustedCaFile '{o.TrustedCaFile}' cannot be read: {e.Message}", e);
            }
            trusted = TrustAnchors.ParsePem(pem, "TrustedCaFile");
        }
        var mechanisms = o.AuthMechanisms.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries)
            .Select(m => m.ToUpperInvariant()).ToArray();
        if (o.UserName.Length > 0 && mechanisms.Length == 0)
        {
            throw Invalid("AuthMechanisms is empty, so the pool cannot log in as UserName.");
        }
        var tlsMode = o.Tls switch
        {
            SmtpTlsMode.None => TlsMode.None,
            SmtpTlsMode.StartTls => TlsMode.StartTls,
            SmtpTlsMode.Implicit => TlsMode.Implicit,
            // RFC 8314 §3.3: 465 is implicit TLS; anywhere else STARTTLS when the server offers it.
            _ => o.Port == 465 ? TlsMode.Implicit : TlsMode.StartTlsIfOffered,
        };
        var tls = new TlsOptions { TrustedCAs = trusted, Terms = Terms };
        return new EngineOptions
        {
            Connect = new ConnectRequest
            {
                Host = o.Host.Trim(),
                Port = o.Port,
                AddressFamilies = AddressFamilyPreference.IPv4First,
                // Every write is a whole pipelined group, flushed once: Nagle's algorithm has nothing to merge, and would
                // hold the next message back until the server's delayed ACK of the previous one comes (RFC 896, 1122
                // §4.2.3.2), which costs a delay per message exactly when messages are pipelined.
                Socket = SocketOptions.Default with { NoDelay = true },
                Proxy = proxy,
                Terms = Terms,
            },
            ConnectionTimeout = Seconds(o.ConnectTimeout),
            Timeout = Seconds(o.Timeout),
            Hello = o.HeloName.Trim(),
            SendRset = false,
            StopOnRejected = RecipientKinds.None,
            UseChunking = o.UseChunking,
            ChunkSize = o.ChunkSize,
            TlsMode = tlsMode,
            Tls = () => tls,
            TransportFactory = o.TransportFactory,
            Auth = o.UserName.Length == 0 ? AuthOptions.None : new AuthOptions
            {
                User = o.UserName,
                Password = o.Password,
                Mechanisms = mechanisms,
            },
        };
    }

    private static TimeSpan Seconds(TimeSpan value) =>
        value <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Ceiling(value.TotalSeconds));

    private static SmtpException Invalid(string message) => new(SmtpErrorCodes.InvalidArgument, message);
}
