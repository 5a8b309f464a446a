using System.Globalization;

namespace Herald.Cli.Options;

/// <summary>A <c>--server</c> value: <c>HOST</c>, <c>HOST:PORT</c>, <c>[IPv6]</c> or <c>[IPv6]:PORT</c>.</summary>
/// <param name="Host">The host name or address (IPv6 without brackets).</param>
/// <param name="Port">The port, or null when none was given.</param>
internal sealed record ServerAddress(string Host, int? Port)
{
    /// <summary>Parses a server address.</summary>
    /// <param name="text">The text given on the command line or in HERALD_SERVER.</param>
    /// <exception cref="CliException">64 when the text is not a host with an optional port.</exception>
    public static ServerAddress Parse(string text)
    {
        string s = text.Trim();
        string host;
        string? port = null;
        if (s.StartsWith('['))
        {
            int close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < s.Length && s[close + 1] != ':'))
            {
                throw Bad(text, "an IPv6 address goes in brackets, as in [2001:db8::1]:587");
            }
            host = s[1..close];
            port = close + 1 < s.Length ? s[(close + 2)..] : null;
        }
        else
        {
            int colon = s.IndexOf(':', StringComparison.Ordinal);
            bool bareIPv6 = colon >= 0 && s.IndexOf(':', colon + 1) >= 0;
            host = colon < 0 || bareIPv6 ? s : s[..colon];
            port = colon < 0 || bareIPv6 ? null : s[(colon + 1)..];
        }
        if (host.Length == 0 || host.AsSpan().ContainsAny(" \t\r\n\0/@"))
        {
            throw Bad(text, "expected HOST or HOST:PORT, as in smtp.example.com:587");
        }
        if (port is null)
        {
            return new ServerAddress(host, null);
        }
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > 65535)
        {
            throw Bad(text, "the port must be a number from 1 to 65535");
        }
        return new ServerAddress(host, n);
    }

    /// <summary>HOST:PORT for messages, with brackets around an IPv6 address.</summary>
    /// <param name="port">The port actually used.</param>
    public string Display(int port) => $"{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{port}";

    private static CliException Bad(string text, string why) => CliException.Usage($"Invalid server \"{text}\": {why}.");
}
