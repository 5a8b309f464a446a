using System.Security.Cryptography;
using System.Text;
using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class DigestMd5MechanismTests
{
    // RFC 2831 §4, the IMAP example: user chris, password secret, digest-uri imap/elwood.innosoft.com.
    private const string Rfc2831Challenge =
        "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,charset=utf-8";

    private const string Rfc2831Response =
        "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",nc=00000001," +
        "cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\"," +
        "response=d388dad90d4bbd760a152321f2143af7,qop=auth";

    private const string Rfc2831RspAuth = "rspauth=ea40f60335c427b5527b84dbabcdfffd";

    private static DigestMd5Mechanism Rfc2831Client(string password = "secret") =>
        new(Credentials("chris", password, host: "elwood.innosoft.com"), "imap", "OA6MHXh6VqTrRk");

    [Fact]
    public void Rfc2831ExampleGivesTheRfcResponseAndAcceptsTheRfcRspAuth()
    {
        using var digest = Rfc2831Client();

        Assert.False(digest.HasInitialResponse);
        Assert.Equal(Rfc2831Response, Text(digest.Respond(Bytes(Rfc2831Challenge))));
        Assert.False(digest.IsComplete);
        Assert.False(digest.ServerVerified);

        Assert.Empty(digest.Respond(Bytes(Rfc2831RspAuth)));
        Assert.True(digest.IsComplete);
        Assert.True(digest.RequiresServerVerification);
        Assert.True(digest.ServerVerified);
    }

    [Fact]
    public void WrongRspAuthIsRejected()
    {
        using var digest = Rfc2831Client();
        digest.Respond(Bytes(Rfc2831Challenge));

        var error = Assert.Throws<SaslException>(() => digest.Respond(Bytes("rspauth=ea40f60335c427b5527b84dbabcdfffe")));
        Assert.Contains("rspauth", error.Message, StringComparison.Ordinal);
        Assert.False(digest.ServerVerified);
    }

    [Fact]
    public void RspAuthFromAServerWithAnotherPasswordIsRejected()
    {
        // The server's proof for "secret" does not match a client that knows another password.
        using var digest = Rfc2831Client("not-secret");
        digest.Respond(Bytes(Rfc2831Challenge));

        Assert.Throws<SaslException>(() => digest.Respond(Bytes(Rfc2831RspAuth)));
    }

    [Fact]
    public void MissingRspAuthIsRejected()
    {
        using var digest = Rfc2831Client();
        digest.Respond(Bytes(Rfc2831Challenge));

        Assert.Throws<SaslException>(() => digest.Respond(Bytes("realm=\"x\"")));
        Assert.False(digest.ServerVerified);
    }

    [Fact]
    public void ChallengeAfterRspAuthIsRejected()
    {
        using var digest = Rfc2831Client();
        digest.Respond(Bytes(Rfc2831Challenge));
        digest.Respond(Bytes(Rfc2831RspAuth));

        Assert.Throws<SaslException>(() => digest.Respond(Bytes(Rfc2831RspAuth)));
    }

    [Fact]
    public void DigestUriNamesTheSmtpServiceAndTheHost()
    {
        using var digest = new DigestMd5Mechanism(Credentials("user", "pw", host: "mx.example.test"));

        string response = Text(digest.Respond(Bytes("nonce=\"abc\",algorithm=md5-sess,qop=\"auth\"")));
        Assert.Contains("digest-uri=\"smtp/mx.example.test\"", response, StringComparison.Ordinal);
        Assert.DoesNotContain("realm=", response, StringComparison.Ordinal);
        Assert.DoesNotContain("charset=", response, StringComparison.Ordinal);
    }

    [Fact]
    public void AuthorizationIdentityIsSentAndHashed()
    {
        using var withAuthzid = new DigestMd5Mechanism(
            new SaslCredentials("chris", "secret", "admin", "elwood.innosoft.com"), "imap", "OA6MHXh6VqTrRk");

        string response = Text(withAuthzid.Respond(Bytes(Rfc2831Challenge)));
        Assert.EndsWith(",qop=auth,authzid=\"admin\"", response, StringComparison.Ordinal);
        // RFC 2831 §2.1.2.1: the authzid joins A1, so the response differs from the RFC's.
        Assert.DoesNotContain("d388dad90d4bbd760a152321f2143af7", response, StringComparison.Ordinal);
        string expected = ExpectedResponse(Bytes("chris:elwood.innosoft.com:secret"),
            ":OA6MG9tEQGm2hh:OA6MHXh6VqTrRk:admin", "OA6MG9tEQGm2hh:00000001:OA6MHXh6VqTrRk",
            "imap/elwood.innosoft.com");
        Assert.Contains($"response={expected},", response, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfiguredDomainPicksTheRealmAmongSeveral()
    {
        var credentials = new SaslCredentials("u", "p", "", "h", Domain: "second.test");
        using var digest = new DigestMd5Mechanism(credentials);

        string response = Text(digest.Respond(
            Bytes("realm=\"first.test\",realm=\"second.test\",nonce=\"n\",algorithm=md5-sess")));
        Assert.Contains("realm=\"second.test\"", response, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAConfiguredDomainTheFirstRealmIsUsed()
    {
        using var digest = new DigestMd5Mechanism(Credentials("u", "p"));

        string response = Text(digest.Respond(
            Bytes("realm=\"first.test\",realm=\"second.test\",nonce=\"n\",algorithm=md5-sess")));
        Assert.Contains("realm=\"first.test\"", response, StringComparison.Ordinal);
    }

    [Fact]
    public void QuotesAndBackslashesInEchoedValuesAreEscaped()
    {
        using var digest = new DigestMd5Mechanism(Credentials("we\"ird\\user", "p"));

        string response = Text(digest.Respond(Bytes("nonce=\"a\\\"b\",algorithm=md5-sess")));
        Assert.Contains("username=\"we\\\"ird\\\\user\"", response, StringComparison.Ordinal);
        Assert.Contains("nonce=\"a\\\"b\"", response, StringComparison.Ordinal);
    }

    [Fact]
    public void Latin1CredentialsAreHashedAsLatin1AndSentAsUtf8()
    {
        using var digest = new DigestMd5Mechanism(
            new SaslCredentials("jörg", "päss", "", "h"), "smtp", "cn");

        byte[] response = digest.Respond(Bytes("nonce=\"n\",algorithm=md5-sess,charset=utf-8"));
        Assert.Contains("username=\"jörg\"", Text(response), StringComparison.Ordinal);
        // RFC 2831 §2.1.2.1: with charset=utf-8, strings that fit ISO 8859-1 are hashed in ISO 8859-1.
        string expected = ExpectedResponse(Encoding.Latin1.GetBytes("jörg::päss"), ":n:cn", "n:00000001:cn", "smtp/h");
        Assert.Contains($"response={expected},", Text(response), StringComparison.Ordinal);
    }

    [Fact]
    public void NonLatin1CredentialsAreHashedAsUtf8()
    {
        using var digest = new DigestMd5Mechanism(new SaslCredentials("Дмитрий", "пароль", "", "h"), "smtp", "cn");

        byte[] response = digest.Respond(Bytes("nonce=\"n\",algorithm=md5-sess,charset=utf-8"));
        string expected = ExpectedResponse(Bytes("Дмитрий::пароль"), ":n:cn", "n:00000001:cn", "smtp/h");
        Assert.Contains($"response={expected},", Text(response), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutCharsetNonLatin1CredentialsCannotBeSent()
    {
        using var digest = new DigestMd5Mechanism(new SaslCredentials("Дмитрий", "p", "", "h"));

        Assert.Throws<SaslException>(() => digest.Respond(Bytes("nonce=\"n\",algorithm=md5-sess")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("realm=\"r\",algorithm=md5-sess")]
    [InlineData("nonce=\"n\"")]
    [InlineData("nonce=\"n\",algorithm=md5")]
    [InlineData("nonce=\"n\",nonce=\"m\",algorithm=md5-sess")]
    [InlineData("nonce=\"n\",algorithm=md5-sess,algorithm=md5-sess")]
    [InlineData("nonce=\"n\",algorithm=md5-sess,charset=iso-8859-1")]
    [InlineData("nonce=\"n\",algorithm=md5-sess,qop=\"auth-int,auth-conf\"")]
    [InlineData("nonce=\"unterminated,algorithm=md5-sess")]
    [InlineData("nonce,algorithm=md5-sess")]
    [InlineData("nonce=\"n\" algorithm=md5-sess")]
    public void MalformedOrUnacceptableChallengesAreRejected(string challenge)
    {
        using var digest = new DigestMd5Mechanism(Credentials());

        Assert.Throws<SaslException>(() => digest.Respond(Bytes(challenge)));
    }

    [Fact]
    public void MissingHostIsAConfigurationError()
    {
        var error = Assert.Throws<SmtpException>(() => new DigestMd5Mechanism(Credentials(host: "")));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }

    /// <summary>RFC 2831 §2.1.2.1 for qop=auth and md5-sess, computed here independently of the mechanism.</summary>
    private static string ExpectedResponse(byte[] userRealmPassword, string a1Tail, string nonceCountCnonce,
        string digestUri)
    {
        byte[] a1 = [.. MD5.HashData(userRealmPassword), .. Encoding.UTF8.GetBytes(a1Tail)];
        string ha1 = Convert.ToHexStringLower(MD5.HashData(a1));
        string ha2 = Convert.ToHexStringLower(MD5.HashData(Bytes("AUTHENTICATE:" + digestUri)));
        return Convert.ToHexStringLower(MD5.HashData(Bytes($"{ha1}:{nonceCountCnonce}:auth:{ha2}")));
    }
}
