using System.Globalization;
using System.Text;
using Herald.Protocol;

namespace Herald.Cli.Output;

/// <summary>Renders EHLO capabilities as an aligned table: keyword, its parameters (or "yes"), and what it means.</summary>
internal static class CapabilityTable
{
    // What each known EHLO keyword offers, with the RFC that defines it.
    private static readonly Dictionary<string, string> Meanings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["PIPELINING"] = "commands can be batched (RFC 2920)",
        ["8BITMIME"] = "8-bit message bodies (RFC 6152)",
        ["SMTPUTF8"] = "UTF-8 addresses and headers (RFC 6531)",
        ["ENHANCEDSTATUSCODES"] = "replies carry detailed codes such as 2.1.5 (RFC 2034)",
        ["DSN"] = "delivery status notifications (RFC 3461)",
        ["STARTTLS"] = "can switch the connection to TLS (RFC 3207)",
        ["AUTH"] = "login mechanisms (RFC 4954)",
        ["CHUNKING"] = "message can be sent in BDAT chunks (RFC 3030)",
        ["BINARYMIME"] = "binary message bodies (RFC 3030)",
        ["HELP"] = "HELP command (RFC 5321)",
        ["VRFY"] = "address verification (RFC 5321)",
        ["EXPN"] = "mailing list expansion (RFC 5321)",
        ["ETRN"] = "remote queue start (RFC 1985)",
        ["ATRN"] = "authenticated TURN (RFC 2645)",
        ["DELIVERBY"] = "deliver-by deadline (RFC 2852)",
        ["MT-PRIORITY"] = "message priorities (RFC 6710)",
        ["REQUIRETLS"] = "TLS required on every hop (RFC 8689)",
        ["FUTURERELEASE"] = "delivery held until a later time (RFC 4865)",
        ["NO-SOLICITING"] = "solicitation keywords (RFC 3865)",
        ["MTRK"] = "message tracking (RFC 3885)",
        ["CHECKPOINT"] = "resume an interrupted transfer (RFC 1845)",
        ["LIMITS"] = "announced limits such as RCPTMAX (RFC 9422)",
        ["RRVS"] = "require recipient valid since (RFC 7293)",
        ["BURL"] = "message assembled from IMAP URLs (RFC 4468)",
        ["SUBMITTER"] = "responsible submitter (RFC 4405)",
        ["XCLIENT"] = "Postfix extension: override client attributes",
        ["XFORWARD"] = "Postfix extension: forward client attributes",
    };

    /// <summary>One row per keyword, in the order the server announced them.</summary>
    /// <param name="capabilities">The parsed EHLO reply.</param>
    public static IReadOnlyList<(string Keyword, string Value, string Meaning)> Rows(Capabilities capabilities)
    {
        var rows = new List<(string, string, string)>();
        foreach (var (keyword, parameters) in capabilities.Keywords)
        {
            string value = keyword.Equals("AUTH", StringComparison.OrdinalIgnoreCase)
                ? string.Join(' ', capabilities.AuthMechanisms)
                : parameters;
            rows.Add((keyword.ToUpperInvariant(), value.Length == 0 ? "yes" : value, Meaning(keyword, parameters)));
        }
        return rows;
    }

    /// <summary>The rows as text, columns aligned, each line indented by two spaces. A long parameter list (AUTH on
    /// some servers) wraps within its column.</summary>
    /// <param name="capabilities">The parsed EHLO reply.</param>
    public static string Render(Capabilities capabilities)
    {
        const int MaxValueWidth = 32;
        var rows = Rows(capabilities);
        int keyWidth = rows.Count == 0 ? 0 : rows.Max(r => r.Keyword.Length);
        var wrapped = rows.Select(r => (r.Keyword, Lines: Wrap(r.Value, MaxValueWidth), r.Meaning)).ToArray();
        int valueWidth = wrapped.Length == 0 ? 0 : wrapped.Max(r => r.Lines.Max(l => l.Length));
        var sb = new StringBuilder();
        foreach (var (keyword, lines, meaning) in wrapped)
        {
            for (int i = 0; i < lines.Count; i++)
            {
                sb.Append("  ").Append((i == 0 ? keyword : "").PadRight(keyWidth)).Append("  ");
                if (i == 0)
                {
                    sb.Append(lines[i].PadRight(valueWidth)).Append("  ").Append(meaning);
                }
                else
                {
                    sb.Append(lines[i]);
                }
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>Splits text at spaces into lines of at most <paramref name="width"/> characters (longer words stay whole).</summary>
    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : "").Append(word);
        }
        lines.Add(line.ToString());
        return lines;
    }

    /// <summary>What a keyword means; SIZE spells out its limit.</summary>
    /// <param name="keyword">The EHLO keyword.</param>
    /// <param name="parameters">Its parameters.</param>
    public static string Meaning(string keyword, string parameters)
    {
        if (keyword.Equals("SIZE", StringComparison.OrdinalIgnoreCase))
        {
            // RFC 1870 §4: SIZE with no number, or 0, means the server announces no fixed limit.
            return long.TryParse(parameters, NumberStyles.None, CultureInfo.InvariantCulture, out long limit) && limit > 0
                ? $"max message size {HumanSize(limit)} (RFC 1870)"
                : "sizes are declared up front, no fixed limit (RFC 1870)";
        }
        if (Meanings.TryGetValue(keyword, out var meaning))
        {
            return meaning;
        }
        return keyword.StartsWith('X') ? "vendor extension" : "not known to herald";
    }

    /// <summary>A byte count in the largest binary unit that keeps it at least 1, e.g. 10485760 as "10 MiB".</summary>
    /// <param name="bytes">The size.</param>
    public static string HumanSize(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        string number = unit == 0 || value == Math.Floor(value)
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("0.#", CultureInfo.InvariantCulture);
        return $"{number} {units[unit]}";
    }
}
