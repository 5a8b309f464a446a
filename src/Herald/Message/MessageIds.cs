using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Message;

/// <summary>The Message-ID header value (RFC 5322 §3.6.4).</summary>
internal static class MessageIds
{
    private static long s_counter;   // makes two ids from one process differ even if the random source repeated

    /// <summary>The domain used when none is given or the given one cannot appear in a Message-ID.</summary>
    public const string FallbackDomain = "localhost";

    /// <summary>
    /// Generates <c>&lt;hex@domain&gt;</c>: hex is the lower-case <paramref name="algorithm"/> hash of 32 random bytes,
    /// <paramref name="time"/> and a process-wide counter, so ids are unique without revealing anything.
    /// </summary>
    /// <param name="algorithm">MD5, SHA1 or SHA256 (any case).</param>
    /// <param name="domain">The right-hand side, normally the host name; see <see cref="IdDomain"/>.</param>
    /// <param name="time">The current time.</param>
    /// <exception cref="SmtpException">Code 10022 when the algorithm is not one of the three.</exception>
    public static string Generate(string algorithm, string domain, DateTimeOffset time)
    {
        var hash = ParseAlgorithm(algorithm, "MessageIdAlgorithm");
        Span<byte> input = stackalloc byte[48];
        RandomNumberGenerator.Fill(input[..32]);
        BinaryPrimitives.WriteInt64LittleEndian(input[32..], time.UtcTicks);
        BinaryPrimitives.WriteInt64LittleEndian(input[40..], Interlocked.Increment(ref s_counter));
        byte[] digest = hash.Name switch
        {
            "MD5" => MD5.HashData(input),
            "SHA1" => SHA1.HashData(input),
            _ => SHA256.HashData(input),
        };
        return "<" + Convert.ToHexStringLower(digest) + "@" + IdDomain(domain) + ">";
    }

    /// <summary>Checks the MessageIdAlgorithm setting.</summary>
    /// <param name="algorithm">The setting's value.</param>
    /// <param name="what">The setting's name, for the error message.</param>
    /// <exception cref="SmtpException">Code 10022 when the value is not MD5, SHA1 or SHA256.</exception>
    public static HashAlgorithmName ParseAlgorithm(string? algorithm, string what)
    {
        switch (algorithm?.Trim().ToUpperInvariant())
        {
            case "MD5":
                return HashAlgorithmName.MD5;
            case "SHA1":
                return HashAlgorithmName.SHA1;
            case "SHA256":
                return HashAlgorithmName.SHA256;
            default:
                Herald.Protocol.LineValidation.EnsureSingleLine(algorithm, what);
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"{what} '{algorithm}' is not supported; use MD5, SHA1 or SHA256.");
        }
    }

    /// <summary>
    /// The right-hand side of a generated id: <paramref name="domain"/> when it is a dot-atom of ASCII letters, digits
    /// and the other atext characters (RFC 5322 §3.2.3); otherwise (empty, a non-ASCII name, a name with spaces)
    /// <see cref="FallbackDomain"/>, because a host name that cannot be written in a Message-ID should not stop a send.
    /// </summary>
    /// <param name="domain">Normally the local host name.</param>
    public static string IdDomain(string? domain)
    {
        var d = domain?.Trim() ?? "";
        if (d.Length == 0 || d.Length > 255)
        {
            return FallbackDomain;
        }
        foreach (var label in d.Split('.'))
        {
            if (label.Length == 0)
            {
                return FallbackDomain;
            }
            foreach (var c in label)
            {
                if (!IsAtext(c))
                {
                    return FallbackDomain;
                }
            }
        }
        return d;
    }

    /// <summary>
    /// A Message-ID given by the user, trimmed and wrapped in angle brackets when it lacks them (a bracket present on
    /// one side only is completed). Nothing else is changed.
    /// </summary>
    /// <param name="messageId">The user's value (not "*" and not empty).</param>
    public static string Normalize(string messageId)
    {
        var id = messageId.Trim();
        var sb = new StringBuilder(id.Length + 2);
        if (!id.StartsWith('<'))
        {
            sb.Append('<');
        }
        sb.Append(id);
        if (!id.EndsWith('>'))
        {
            sb.Append('>');
        }
        return sb.ToString();
    }

    // RFC 5322 §3.2.3 atext.
    private static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c);
}
