using Herald.Protocol;

namespace Herald;

/// <summary>
/// What the server announced in its EHLO reply on the last connection (RFC 5321 §4.1.1.1), as <see cref="SmtpClient"/>
/// shows it after <see cref="SmtpClient.Connect"/> (its <see cref="SmtpClient.ServerInfo"/> property). After STARTTLS
/// these are the capabilities announced over TLS (RFC 3207 §4.2). The values stay after a disconnect until the next
/// connection.
/// </summary>
public sealed class SmtpServerInfo
{
    private Capabilities _caps = Capabilities.None;

    /// <summary>True when the server answered EHLO, so its extensions are known (false after a HELO fallback or before
    /// any connection).</summary>
    public bool Available => _caps.IsExtended;

    /// <summary>The server offers AUTH LOGIN.</summary>
    public bool AuthLoginSupported => _caps.SupportsAuth("LOGIN");

    /// <summary>The server offers AUTH PLAIN (RFC 4616).</summary>
    public bool AuthPlainSupported => _caps.SupportsAuth("PLAIN");

    /// <summary>The server offers BINARYMIME (RFC 3030).</summary>
    public bool BinarySupported => _caps.BinaryMime;

    /// <summary>The server offers CHUNKING, the BDAT command (RFC 3030).</summary>
    public bool ChunkingSupported => _caps.Chunking;

    /// <summary>The server offers delivery status notifications (DSN, RFC 3461).</summary>
    public bool DsnSupported => _caps.Dsn;

    /// <summary>The largest message the server accepts in bytes (the SIZE value, RFC 1870), or 0 when it named no
    /// limit.</summary>
    public long MaxMessageSize => _caps.MaxSize;

    /// <summary>The server offers SASL authentication (AUTH, RFC 4954).</summary>
    public bool SaslSupported => _caps.Auth;

    /// <summary>The SASL mechanisms the server offers, as named in its AUTH line.</summary>
    public IReadOnlyCollection<string> SaslMechanisms => _caps.AuthMechanisms;

    /// <summary>The server offers the SIZE extension (RFC 1870).</summary>
    public bool SizeSupported => _caps.Size;

    /// <summary>The server sends enhanced status codes (ENHANCEDSTATUSCODES, RFC 2034).</summary>
    public bool StatusCodesSupported => _caps.EnhancedStatusCodes;

    /// <summary>Every EHLO keyword with its parameters.</summary>
    public IReadOnlyDictionary<string, string> Extensions => _caps.Keywords;

    /// <summary>Takes the capabilities of a new session.</summary>
    internal void Update(Capabilities capabilities) => _caps = capabilities;
}
