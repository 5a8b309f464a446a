using System.Text;
using Herald.Security.Sasl;

namespace Herald.Tests.Sasl;

/// <summary>Shared helpers for the SASL mechanism tests.</summary>
internal static class SaslTestData
{
    public static SaslCredentials Credentials(string user = "user@example.test", string password = "s3cret!",
        string authzid = "", string host = "mail.example.test") => new(user, password, authzid, host);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
