using System.Security.Cryptography;
using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Loopback;

/// <summary>
/// The SASL exchanges a replay cannot play, because the server's answer depends on the client's random nonce: SCRAM
/// (RFC 5802) and DIGEST-MD5 (RFC 2831), each against a fake server that computes its side from the RFC, so both
/// the client's proof and the server's are checked.
/// </summary>
public class SaslExchangeTests
{
    private const string Password = "pencil";

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Unb64(string text) => Encoding.UTF8.GetString(Convert.FromBase64String(text));

    private static FakeSmtpServer ServerOffering(string mechanisms)
    {
        var server = new FakeSmtpServer();
        server.Capabilities.Add("AUTH " + mechanisms);
        return server;
    }

    /// <summary>
    /// The server side of SCRAM: checks the client's proof against <paramref name="storedPassword"/> and sends its own
    /// signature (or <paramref name="forgedSignature"/>).
    /// </summary>
    private static Func<FakeCommand, FakeAction?> ScramServer(string name, HashAlgorithmName hash, string storedPassword,
        string? forgedSignature = null) => auth =>
    {
        var parts = auth.Argument.Split(' ');
        Assert.Equal(name, parts[0]);
        string clientFirst = Unb64(parts[1]);
        Assert.StartsWith("n,,n=alice,r=", clientFirst);
        string clientFirstBare = clientFirst[3..];
        string nonce = clientFirstBare[(clientFirstBare.IndexOf(",r=", StringComparison.Ordinal) + 3)..] + "3rfcNHYJY1ZVvWVs7j";
        byte[] salt = Convert.FromBase64String("QSXCR+Q6sek8bf92");
        string serverFirst = $"r={nonce},s=QSXCR+Q6sek8bf92,i=4096";
        return FakeAction.Continue(FakeAction.Reply("334 " + B64(serverFirst)), final =>
        {
            string clientFinal = Unb64(final.Line);
            int proofAt = clientFinal.IndexOf(",p=", StringComparison.Ordinal);
            string withoutProof = clientFinal[..proofAt];
            Assert.Equal($"c=biws,r={nonce}", withoutProof);
            byte[] proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);

            int length = hash == HashAlgorithmName.SHA1 ? 20 : 32;
            byte[] salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(storedPassword), salt, 4096, hash, length);
            byte[] authMessage = Encoding.UTF8.GetBytes(clientFirstBare + "," + serverFirst + "," + withoutProof);
            byte[] storedKey = CryptographicOperations.HashData(hash, CryptographicOperations.HmacData(hash, salted, "Client Key"u8));
            byte[] clientSignature = CryptographicOperations.HmacData(hash, storedKey, authMessage);
            byte[] clientKey = proof.Zip(clientSignature, (a, b) => (byte)(a ^ b)).ToArray();
            if (!CryptographicOperations.HashData(hash, clientKey).SequenceEqual(storedKey))
            {
                return FakeAction.Reply("535 5.7.8 Authentication credentials invalid");
            }
            byte[] serverKey = CryptographicOperations.HmacData(hash, salted, "Server Key"u8);
            string signature = forgedSignature ?? Convert.ToBase64String(CryptographicOperations.HmacData(hash, serverKey, authMessage));
            return FakeAction.Continue(FakeAction.Reply("334 " + B64("v=" + signature)),
                last => last.Line.Length == 0 ? FakeAction.Reply("235 2.7.0 Authentication successful")
                    : last.Line == "*" ? FakeAction.Reply("501 5.7.0 Authentication cancelled")
                    : FakeAction.Reply("535 5.7.8 Unexpected answer"));
        });
    };

    public static TheoryData<SmtpAuthMechanisms, string, bool> Scrams => new()
    {
        { SmtpAuthMechanisms.amSCRAMSHA1, "SCRAM-SHA-1", false },
        { SmtpAuthMechanisms.amSCRAMSHA1, "SCRAM-SHA-1", true },
        { SmtpAuthMechanisms.amSCRAMSHA256, "SCRAM-SHA-256", false },
        { SmtpAuthMechanisms.amSCRAMSHA256, "SCRAM-SHA-256", true },
    };

    private static HashAlgorithmName HashOf(string name) => name == "SCRAM-SHA-1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;

    private static Smtp Client(FakeSmtpServer server, SmtpAuthMechanisms mechanism, string password = Password)
    {
        var smtp = Create(server);
        smtp.User = "alice";
        smtp.Password = password;
        smtp.AuthMechanism = mechanism;
        return smtp;
    }

    [Theory, MemberData(nameof(Scrams))]
    public async Task ScramProvesThePasswordBothWays(SmtpAuthMechanisms mechanism, string name, bool isAsync)
    {
        await using var server = ServerOffering("SCRAM-SHA-1 SCRAM-SHA-256");
        server.On("AUTH", ScramServer(name, HashOf(name), Password));
        using var smtp = Client(server, mechanism);

        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
    }

    [Theory, MemberData(nameof(Scrams))]
    public async Task ScramWithTheWrongPasswordIsRefusedByTheServer(SmtpAuthMechanisms mechanism, string name, bool isAsync)
    {
        await using var server = ServerOffering("SCRAM-SHA-1 SCRAM-SHA-256");
        server.On("AUTH", ScramServer(name, HashOf(name), "another password"));
        using var smtp = Client(server, mechanism);

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
        Assert.Equal(535, e.ReplyCode);
        Assert.Empty(server.Sessions[0].Messages);
    }

    [Theory, MemberData(nameof(Scrams))]
    public async Task ScramRefusesAServerWhoseSignatureIsWrong(SmtpAuthMechanisms mechanism, string name, bool isAsync)
    {
        await using var server = ServerOffering("SCRAM-SHA-1 SCRAM-SHA-256");
        server.On("AUTH", ScramServer(name, HashOf(name), Password, forgedSignature: Convert.ToBase64String(new byte[20])));
        using var smtp = Client(server, mechanism);

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(501, e.ReplyCode); // the client cancelled with "*"
        Assert.Contains("signature is wrong", e.Message);
        Assert.Empty(server.Sessions[0].Messages);
    }

    private static Dictionary<string, string> Directives(string text)
    {
        var result = new Dictionary<string, string>();
        int i = 0;
        while (i < text.Length)
        {
            int eq = text.IndexOf('=', i);
            string key = text[i..eq].Trim();
            string value;
            if (text[eq + 1] == '"')
            {
                int close = text.IndexOf('"', eq + 2);
                value = text[(eq + 2)..close];
                i = close + 1;
            }
            else
            {
                int comma = text.IndexOf(',', eq);
                value = comma < 0 ? text[(eq + 1)..] : text[(eq + 1)..comma];
                i = comma < 0 ? text.Length : comma;
            }
            result[key] = value;
            i = i < text.Length && text[i] == ',' ? i + 1 : i;
        }
        return result;
    }

    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>The server side of DIGEST-MD5 (qop=auth, md5-sess) with <paramref name="storedPassword"/>.</summary>
    private static Func<FakeCommand, FakeAction?> DigestServer(string storedPassword) => auth =>
    {
        Assert.Equal("DIGEST-MD5", auth.Argument);
        const string nonce = "OA6MG9tEQGm2hh";
        string challenge = $"realm=\"example.org\",nonce=\"{nonce}\",qop=\"auth\",charset=utf-8,algorithm=md5-sess";
        return FakeAction.Continue(FakeAction.Reply("334 " + B64(challenge)), answer =>
        {
            var d = Directives(Unb64(answer.Line));
            Assert.Equal("alice", d["username"]);
            Assert.Equal("example.org", d["realm"]);
            Assert.Equal(nonce, d["nonce"]);
            Assert.Equal("smtp/127.0.0.1", d["digest-uri"]);
            Assert.Equal("auth", d["qop"]);
            byte[] inner = MD5.HashData(Encoding.UTF8.GetBytes($"alice:example.org:{storedPassword}"));
            byte[] a1 = [.. inner, .. Encoding.UTF8.GetBytes($":{nonce}:{d["cnonce"]}")];
            string ha1 = Convert.ToHexStringLower(MD5.HashData(a1));
            string Kd(string a2) => Md5Hex($"{ha1}:{nonce}:{d["nc"]}:{d["cnonce"]}:auth:{Md5Hex(a2)}");
            if (d["response"] != Kd("AUTHENTICATE:" + d["digest-uri"]))
            {
                return FakeAction.Reply("535 5.7.8 Authentication credentials invalid");
            }
            return FakeAction.Continue(FakeAction.Reply("334 " + B64("rspauth=" + Kd(":" + d["digest-uri"]))),
                last => FakeAction.Reply(last.Line.Length == 0 ? "235 2.7.0 Authentication successful" : "501 5.7.0 Unexpected answer"));
        });
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DigestMd5ProvesThePasswordBothWays(bool isAsync)
    {
        await using var server = ServerOffering("DIGEST-MD5");
        server.On("AUTH", DigestServer(Password));
        using var smtp = Client(server, SmtpAuthMechanisms.amSASLDigestMD5);

        await Send(smtp, isAsync);
        Assert.Single(server.Sessions[0].Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DigestMd5WithTheWrongPasswordIsRefused(bool isAsync)
    {
        await using var server = ServerOffering("DIGEST-MD5");
        server.On("AUTH", DigestServer("another password"));
        using var smtp = Client(server, SmtpAuthMechanisms.amSASLDigestMD5);

        var e = await SendFails(smtp, isAsync);
        Assert.Equal(535, e.ReplyCode);
        Assert.Equal("5.7.8", e.EnhancedStatusCode);
    }
}
