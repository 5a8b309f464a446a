using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Herald.Security.Sasl;

/// <summary>The JSON error challenge of XOAUTH2 and OAUTHBEARER (RFC 7628 §3.2.2).</summary>
internal static class OAuthError
{
    /// <summary>
    /// The decoded challenge as compact JSON text, for an exception message; the raw text when it is not JSON, so
    /// nothing the server said is lost.
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> challenge)
    {
        string text = Encoding.UTF8.GetString(challenge).Trim();
        try
        {
            using JsonDocument json = JsonDocument.Parse(text);
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                json.RootElement.WriteTo(writer);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        catch (JsonException)
        {
            return text;
        }
    }
}
