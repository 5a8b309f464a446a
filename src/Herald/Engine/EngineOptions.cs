using Herald.Security.Tls;
using Herald.Transport;

namespace Herald.Engine;

/// <summary>When and how a session is encrypted.</summary>
internal enum TlsMode
{
    /// <summary>Plaintext; STARTTLS is never sent.</summary>
    None = 0,
    /// <summary>TLS from the first byte (RFC 8314 implicit TLS, usually port 465).</summary>
    Implicit = 1,
    /// <summary>STARTTLS (RFC 3207) is required: a server that does not offer it is refused before anything is sent.</summary>
    StartTls = 2,
    /// <summary>STARTTLS when the server offers it; plaintext when it does not.</summary>
    StartTlsIfOffered = 3,
}

/// <summary>The header a recipient appears in, which decides the rule for a rejected RCPT.</summary>
internal enum RecipientKind
{
    /// <summary>A primary recipient.</summary>
    To = 0,
    /// <summary>A copy recipient.</summary>
    Cc = 1,
    /// <summary>A blind copy recipient (in the envelope only).</summary>
    Bcc = 2,
}

/// <summary>A set of <see cref="RecipientKind"/> values.</summary>
[Flags]
internal enum RecipientKinds
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>Primary recipients.</summary>
    To = 1,
    /// <summary>Copy recipients.</summary>
    Cc = 2,
    /// <summary>Blind copy recipients.</summary>
    Bcc = 4,
}

/// <summary>What to do when credentials are set but the server does not announce AUTH in its EHLO reply.</summary>
internal enum AuthWhenNotOffered
{
    /// <summary>Fail the connection (10045), saying that the server offers no authentication.</summary>
    Fail = 0,
    /// <summary>Go on without authenticating (a note says so); the server decides whether it accepts the mail.</summary>
    Skip = 1,
    /// <summary>Try the first listed mechanism anyway (some servers accept AUTH without announcing it).</summary>
    Try = 2,
}

/// <summary>How the session authenticates (RFC 4954).</summary>
internal sealed record AuthOptions
{
    /// <summary>No authentication.</summary>
    public static AuthOptions None { get; } = new();

    /// <summary>The login name; empty means no authentication.</summary>
    public string User { get; init; } = "";

    /// <summary>The password.</summary>
    public string Password { get; init; } = "";

    /// <summary>The SASL authorization identity, or (for XOAUTH2/OAUTHBEARER) the OAuth access token.</summary>
    public string AuthorizationIdentity { get; init; } = "";

    /// <summary>The OAuth access token for XOAUTH2 and OAUTHBEARER, when the facade keeps it apart from
    /// <see cref="AuthorizationIdentity"/>; empty to use that.</summary>
    public string OAuthToken { get; init; } = "";

    /// <summary>
    /// SASL mechanism names as they appear on the wire, in order of preference: the first one the server offers is
    /// used. A single name is required to be offered.
    /// </summary>
    public IReadOnlyList<string> Mechanisms { get; init; } = ["PLAIN", "LOGIN"];

    /// <summary>NTLM computes NTLMv2 responses (the default) rather than NTLMv1.</summary>
    public bool UseNtlmV2 { get; init; } = true;

    /// <summary>Send PLAIN/LOGIN/XOAUTH2 credentials over an unencrypted connection to a host that is not loopback.</summary>
    public bool AllowPlaintext { get; init; }

    /// <summary>What to do when the server does not announce AUTH.</summary>
    public AuthWhenNotOffered WhenNotOffered { get; init; }

    /// <summary>Run the authentication step (and the facade's BeforeAuth hook) even without a user name, so the hook
    /// can supply one.</summary>
    public bool AskWithoutUser { get; init; }
}

/// <summary>
/// Everything the engine needs for one call, as an immutable snapshot the facade builds when the call starts: where
/// to connect, how to greet, secure and authenticate, how to run a transaction, and the facade's words for its
/// settings. Nothing here changes while the call runs, whatever the application does to the facade meanwhile.
/// </summary>
internal sealed record EngineOptions
{
    /// <summary>Where and how to connect.</summary>
    public required ConnectRequest Connect { get; init; }

    /// <summary>Time allowed to connect and receive the greeting; zero means the call's timeout also covers it.</summary>
    public TimeSpan ConnectionTimeout { get; init; }

    /// <summary>Inactivity (or, with <see cref="AbsoluteTimeout"/>, the whole call) allowed before it fails; zero for none.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The timeout bounds the whole call instead of each quiet period.</summary>
    public bool AbsoluteTimeout { get; init; }

    /// <summary>The EHLO/HELO argument; empty means the local host name.</summary>
    public string Hello { get; init; } = "";

    /// <summary>Use EHLO (with HELO as fallback) rather than HELO only.</summary>
    public bool UseExtensions { get; init; } = true;

    /// <summary>Send RSET before a transaction on a reused session and after a failed one.</summary>
    public bool SendRset { get; init; } = true;

    /// <summary>A rejected recipient of these kinds fails the transaction; others are reported and skipped.</summary>
    public RecipientKinds StopOnRejected { get; init; } = RecipientKinds.To | RecipientKinds.Cc;

    /// <summary>Longest reply line accepted (at least 256).</summary>
    public int MaxLineLength { get; init; } = 2048;

    /// <summary>Message data rate limit in bytes per second; 0 for none.</summary>
    public int MaxTransferRate { get; init; }

    /// <summary>Size of the buffer message data is written through.</summary>
    public int SendBufferSize { get; init; } = 64 * 1024;

    /// <summary>Send the message with BDAT (RFC 3030) when the server offers CHUNKING.</summary>
    public bool UseChunking { get; init; } = true;

    /// <summary>The largest BDAT chunk in bytes (the chunk is buffered, so this is also the memory it takes).</summary>
    public int ChunkSize { get; init; } = DefaultChunkSize;

    /// <summary>The default <see cref="ChunkSize"/>: 1 MiB.</summary>
    public const int DefaultChunkSize = 1 << 20;

    /// <summary>Secrets are masked in the protocol trace.</summary>
    public bool MaskSecrets { get; init; } = true;

    /// <summary>Authentication.</summary>
    public AuthOptions Auth { get; init; } = AuthOptions.None;

    /// <summary>When to start TLS.</summary>
    public TlsMode TlsMode { get; init; }

    /// <summary>
    /// Builds the TLS options when a handshake needs them, so that a TLS setting that cannot work fails only a
    /// connection that uses TLS (and with the facade's words).
    /// </summary>
    public Func<TlsOptions> Tls { get; init; } = static () => new TlsOptions();

    /// <summary>Opens the transport; null for TCP. Tests replace it to run the engine over a scripted stream.</summary>
    public ITransportFactory? TransportFactory { get; init; }

    /// <summary>The facade's words for its settings, used in messages.</summary>
    public SettingTerms Terms => Connect.Terms;
}
