namespace Herald.Protocol;

/// <summary>
/// What the server announced in its EHLO reply (RFC 5321 §4.1.1.1): one keyword per line after the first, each with
/// optional parameters. Keywords are matched without regard to case.
/// </summary>
public sealed class Capabilities
{
    private readonly Dictionary<string, string> _keywords = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _authMechanisms = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Capabilities of a server that answered HELO only, or before any greeting: nothing is offered.</summary>
    public static Capabilities None { get; } = new();

    private Capabilities()
    {
    }

    /// <summary>True when these capabilities came from an EHLO reply (false after a HELO fallback).</summary>
    public bool IsExtended { get; private init; }

    /// <summary>The domain the server named on the first line of its EHLO reply.</summary>
    public string ServerDomain { get; private init; } = "";

    /// <summary>Every keyword with its parameter text (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Keywords => _keywords;

    /// <summary>RFC 2920 command pipelining.</summary>
    public bool Pipelining => Has("PIPELINING");

    /// <summary>RFC 1870 SIZE is offered.</summary>
    public bool Size => Has("SIZE");

    /// <summary>The largest message the server accepts in bytes per RFC 1870, or 0 when it named no limit.</summary>
    public long MaxSize { get; private set; }

    /// <summary>RFC 6152 8BITMIME.</summary>
    public bool EightBitMime => Has("8BITMIME");

    /// <summary>RFC 3030 BINARYMIME.</summary>
    public bool BinaryMime => Has("BINARYMIME");

    /// <summary>RFC 6531 SMTPUTF8.</summary>
    public bool SmtpUtf8 => Has("SMTPUTF8");

    /// <summary>RFC 3461 delivery status notifications.</summary>
    public bool Dsn => Has("DSN");

    /// <summary>RFC 2034 enhanced status codes.</summary>
    public bool EnhancedStatusCodes => Has("ENHANCEDSTATUSCODES");

    /// <summary>RFC 3030 CHUNKING (BDAT).</summary>
    public bool Chunking => Has("CHUNKING");

    /// <summary>RFC 3207 STARTTLS.</summary>
    public bool StartTls => Has("STARTTLS");

    /// <summary>VRFY is advertised.</summary>
    public bool Vrfy => Has("VRFY");

    /// <summary>EXPN is advertised.</summary>
    public bool Expn => Has("EXPN");

    /// <summary>RFC 4954 AUTH is offered.</summary>
    public bool Auth => _authMechanisms.Count > 0 || Has("AUTH");

    /// <summary>The SASL mechanisms named after AUTH (and after the old <c>AUTH=</c> form some servers still send).</summary>
    public IReadOnlyCollection<string> AuthMechanisms => _authMechanisms;

    /// <summary>True when <paramref name="keyword"/> was announced.</summary>
    /// <param name="keyword">An EHLO keyword such as <c>PIPELINING</c>.</param>
    public bool Has(string keyword) => _keywords.ContainsKey(keyword);

    /// <summary>True when the server offers the SASL mechanism <paramref name="mechanism"/>.</summary>
    /// <param name="mechanism">A SASL mechanism name such as <c>PLAIN</c>.</param>
    public bool SupportsAuth(string mechanism) => _authMechanisms.Contains(mechanism);

    /// <summary>Reads the capabilities from an EHLO reply.</summary>
    /// <param name="reply">A 250 reply to EHLO.</param>
    public static Capabilities FromEhlo(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var caps = new Capabilities { IsExtended = true, ServerDomain = FirstWord(reply.Lines[0]) };
        for (int i = 1; i < reply.Lines.Count; i++)
        {
            var line = reply.Lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            int space = line.IndexOfAny([' ', '=']);
            string keyword = space < 0 ? line : line[..space];
            string args = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword.Equals("AUTH", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var mech in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    caps._authMechanisms.Add(mech.ToUpperInvariant());
                }
            }
            else if (keyword.Equals("SIZE", StringComparison.OrdinalIgnoreCase) &&
                long.TryParse(args, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n))
            {
                caps.MaxSize = n;
            }
            // The first announcement of a keyword wins; "AUTH=LOGIN" is merged into the AUTH list above.
            caps._keywords.TryAdd(keyword, args);
        }
        return caps;
    }

    private static string FirstWord(string text)
    {
        int space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? text : text[..space];
    }
}
