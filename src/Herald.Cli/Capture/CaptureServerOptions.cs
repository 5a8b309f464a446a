using System.Net.Security;

namespace Herald.Cli.Capture;

/// <summary>How the capture server listens, where it saves messages and what it accepts.</summary>
internal sealed class CaptureServerOptions
{
    /// <summary>The largest message accepted, in bytes, as announced by <c>SIZE</c> (RFC 1870). 50 MiB.</summary>
    public const long DefaultMaxMessageSize = 52_428_800;

    /// <summary>The folder messages are saved in; created (owner-only on Unix) when the server starts.</summary>
    public required string Directory { get; init; }

    /// <summary>The TCP port on 127.0.0.1, or 0 for any free port.</summary>
    public int Port { get; init; }

    /// <summary>
    /// The certificate for TLS, or null for none. With one, EHLO offers STARTTLS (RFC 3207) and
    /// <see cref="ImplicitTlsPort"/> may be used.
    /// </summary>
    public SslStreamCertificateContext? TlsCertificate { get; init; }

    /// <summary>
    /// A second port on 127.0.0.1 where TLS starts at once, before the greeting (RFC 8314 §3.3, the way port 465
    /// works), or null for none; 0 picks a free port. Needs <see cref="TlsCertificate"/>.
    /// </summary>
    public int? ImplicitTlsPort { get; init; }

    /// <summary>The name the server gives itself in its greeting and EHLO reply.</summary>
    public string HostName { get; init; } = "localhost";

    /// <summary>The largest message accepted, in bytes.</summary>
    public long MaxMessageSize { get; init; } = DefaultMaxMessageSize;

    /// <summary>
    /// The longest command line, CRLF excluded. RFC 5321 §4.5.3.1.4 sets 512 octets but lets extensions raise it
    /// (DSN's ORCPT alone may add 500, RFC 3461 §5), so the server allows more.
    /// </summary>
    public int MaxCommandLength { get; init; } = 2048;

    /// <summary>The longest line of message data, CRLF excluded: 998, the RFC 5321 §4.5.3.1.6 limit.</summary>
    public int MaxDataLineLength { get; init; } = 998;

    /// <summary>Most recipients in one transaction (RFC 5321 §4.5.3.1.8 requires at least 100).</summary>
    public int MaxRecipients { get; init; } = 1000;

    /// <summary>How long a client may stay silent before the server closes the session (RFC 5321 §4.5.3.2.7: 5 minutes).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Sessions served at once; more connections are turned away with 421.</summary>
    public int MaxSessions { get; init; } = 64;

    /// <summary>Bad commands tolerated in one session before the server hangs up.</summary>
    public int MaxErrors { get; init; } = 20;
}
