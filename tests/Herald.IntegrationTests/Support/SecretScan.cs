using System.Text;

namespace Herald.IntegrationTests.Support;

/// <summary>
/// Searches a whole protocol trace for credentials: the secrets themselves, and every word of every line that decodes
/// as base64 to something containing one (which covers the PLAIN message <c>\0user\0password</c>, the XOAUTH2 and
/// OAUTHBEARER initial responses, and any other encoding of a secret an AUTH exchange could carry).
/// </summary>
internal static class SecretScan
{
    /// <summary>The places in the trace where a secret shows, in clear or in base64; empty when there are none.</summary>
    public static List<string> Find(TraceLog trace, params string[] secrets)
    {
        var found = new List<string>();
        foreach (var (direction, message) in trace.Lines)
        {
            foreach (string secret in secrets)
            {
                if (message.Contains(secret, StringComparison.Ordinal))
                {
                    found.Add($"\"{secret}\" in clear: {direction}: {message}");
                }
            }
            foreach (string word in message.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (TryBase64(word) is not { } decoded)
                {
                    continue;
                }
                foreach (string secret in secrets)
                {
                    if (decoded.Contains(secret, StringComparison.Ordinal))
                    {
                        found.Add($"\"{secret}\" in base64: {direction}: {message}");
                    }
                }
            }
        }
        return found;
    }

    private static string? TryBase64(string word)
    {
        if (word.Length < 4 || word.Length % 4 != 0)
        {
            return null;
        }
        var bytes = new byte[word.Length];
        return Convert.TryFromBase64String(word, bytes, out int n) ? Encoding.Latin1.GetString(bytes, 0, n) : null;
    }
}
