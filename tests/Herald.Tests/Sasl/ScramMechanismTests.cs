using System.Security.Cryptography;
using System.Text;
using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class ScramMechanismTests
{
    // RFC 5802 §5: user "user", password "pencil".
    private const string Sha1ServerFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    private const string Sha1ClientFinal = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
    private const string Sha1ServerFinal = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

    // RFC 7677 §3: the same user and password.
    private const string Sha256ServerFirst =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string Sha256ClientFinal =
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string Sha256ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static ScramMechanism Sha1() =>
        new(ScramMechanism.Sha1Name, Credentials("user", "pencil"), "fyko+d2lbbFgONRv9qkxdawL");

    private static ScramMechanism Sha256() =>
        new(ScramMechanism.Sha256Name, Credentials("user", "pencil"), "rOprNGfwEbeRWgbNEkqO");

    [Fact]
    public void Rfc5802ExampleRoundTrips()
    {
        using var scram = Sha1();

        Assert.Equal("SCRAM-SHA-1", scram.Name);
        Assert.Equal("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", Text(scram.GetInitialResponse()));
        Assert.Equal(Sha1ClientFinal, Text(scram.Respond(Bytes(Sha1ServerFirst))));
        Assert.False(scram.ServerVerified);
        Assert.Empty(scram.Respond(Bytes(Sha1ServerFinal)));
        Assert.True(scram.IsComplete);
        Assert.True(scram.RequiresServerVerification);
        Assert.True(scram.ServerVerified);
    }

    [Fact]
    public void Rfc7677ExampleRoundTrips()
    {
        using var scram = Sha256();

        Assert.Equal("SCRAM-SHA-256", scram.Name);
        Assert.Equal("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", Text(scram.GetInitialResponse()));
        Assert.Equal(Sha256ClientFinal, Text(scram.Respond(Bytes(Sha256ServerFirst))));
        Assert.Empty(scram.Respond(Bytes(Sha256ServerFinal)));
        Assert.True(scram.ServerVerified);
    }

    [Fact]
    public void EmptyChallengeBeforeTheClientFirstMessageGetsIt()
    {
        using var scram = Sha256();

        Assert.Equal("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", Text(scram.Respond([])));
        Assert.Equal(Sha256ClientFinal, Text(scram.Respond(Bytes(Sha256ServerFirst))));
    }

    [Fact]
    public void WrongServerSignatureIsRejected()
    {
        using var scram = Sha256();
        scram.GetInitialResponse();
        scram.Respond(Bytes(Sha256ServerFirst));

        var error = Assert.Throws<SaslException>(
            () => scram.Respond(Bytes("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")));
        Assert.Contains("signature", error.Message, StringComparison.Ordinal);
        Assert.False(scram.ServerVerified);
        Assert.False(scram.IsComplete);
    }

    [Fact]
    public void ServerSignatureOfTheOtherHashIsRejected()
    {
        using var scram = Sha1();
        scram.GetInitialResponse();
        scram.Respond(Bytes(Sha1ServerFirst));

        Assert.Throws<SaslException>(() => scram.Respond(Bytes(Sha256ServerFinal)));
    }

    [Fact]
    public void ServerErrorInTheFinalMessageIsReported()
    {
        using var scram = Sha256();
        scram.GetInitialResponse();
        scram.Respond(Bytes(Sha256ServerFirst));

        var error = Assert.Throws<SaslException>(() => scram.Respond(Bytes("e=invalid-proof")));
        Assert.Contains("invalid-proof", error.Message, StringComparison.Ordinal);
        Assert.False(scram.ServerVerified);
    }

    [Theory]
    [InlineData("r=somebodyElsesNonce12345,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")] // does not start with ours
    [InlineData("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")] // adds nothing to ours
    [InlineData("r=rOprNGfwEbeRWgbNEkq,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")] // a prefix of ours
    public void BadServerNonceIsRejected(string serverFirst)
    {
        using var scram = Sha256();
        scram.GetInitialResponse();

        var error = Assert.Throws<SaslException>(() => scram.Respond(Bytes(serverFirst)));
        Assert.Contains("nonce", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc")]
    [InlineData("s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOabc,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=not*base64,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=+4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=10000001")]
    [InlineData("m=mandatory-extension,r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("e=other-error")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO ab,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    public void MalformedOrUnsafeServerFirstMessagesAreRejected(string serverFirst)
    {
        using var scram = Sha256();
        scram.GetInitialResponse();

        Assert.Throws<SaslException>(() => scram.Respond(Bytes(serverFirst)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")]
    [InlineData("v=not*base64")]
    public void MalformedServerFinalMessagesAreRejected(string serverFinal)
    {
        using var scram = Sha256();
        scram.GetInitialResponse();
        scram.Respond(Bytes(Sha256ServerFirst));

        Assert.Throws<SaslException>(() => scram.Respond(Bytes(serverFinal)));
    }

    [Fact]
    public void ExtensionsAfterTheRequiredAttributesAreIgnored()
    {
        using var scram = Sha256();
        scram.GetInitialResponse();

        // The AuthMessage covers the whole server-first message, extensions included, so the proof changes; the
        // expected value is computed independently below.
        string serverFirst = Sha256ServerFirst + ",x=extension";
        string clientFinal = Text(scram.Respond(Bytes(serverFirst)));
        string withoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        string authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO," + serverFirst + "," + withoutProof;
        var (proof, signature) = Rfc5802(HashAlgorithmName.SHA256, "pencil",
            Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096, authMessage);
        Assert.Equal(withoutProof + ",p=" + Convert.ToBase64String(proof), clientFinal);
        Assert.Empty(scram.Respond(Bytes("v=" + Convert.ToBase64String(signature) + ",x=more")));
        Assert.True(scram.ServerVerified);
    }

    [Fact]
    public void UserNameIsEscapedAndAuthorizationIdentityGoesInTheGs2Header()
    {
        using var scram = new ScramMechanism(ScramMechanism.Sha256Name,
            new SaslCredentials("a=b,c", "pencil", "ad,min", "h"), "abc");

        Assert.Equal("n,a=ad=2Cmin,n=a=3Db=2Cc,r=abc", Text(scram.GetInitialResponse()));
        string clientFinal = Text(scram.Respond(Bytes("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")));
        // c= carries the base64 of the whole gs2 header (RFC 5802 §7 cbind-input).
        Assert.StartsWith("c=" + Convert.ToBase64String(Bytes("n,a=ad=2Cmin,")) + ",r=abcdef,p=", clientFinal,
            StringComparison.Ordinal);
    }

    [Fact]
    public void RandomClientNonceIsPrintableAndFresh()
    {
        using var first = new ScramMechanism(ScramMechanism.Sha256Name, Credentials());
        using var second = new ScramMechanism(ScramMechanism.Sha256Name, Credentials());

        string a = Text(first.GetInitialResponse());
        string b = Text(second.GetInitialResponse());
        string nonce = a[(a.IndexOf(",r=", StringComparison.Ordinal) + 3)..];
        Assert.True(nonce.Length >= 24);
        Assert.All(nonce, c => Assert.True(c is > ' ' and <= '~' and not ','));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void PasswordIsPreparedWithSaslPrep()
    {
        // RFC 4013 §3 example 1: "I<U+00AD>X" prepares to "IX" (soft hyphen maps to nothing), so both spellings
        // give the same proof.
        using var hyphenated = new ScramMechanism(ScramMechanism.Sha256Name, Credentials("user", "I\u00ADX"), "abc");
        using var plain = new ScramMechanism(ScramMechanism.Sha256Name, Credentials("user", "IX"), "abc");
        hyphenated.GetInitialResponse();
        plain.GetInitialResponse();

        string serverFirst = "r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        Assert.Equal(Text(plain.Respond(Bytes(serverFirst))), Text(hyphenated.Respond(Bytes(serverFirst))));
    }

    [Fact]
    public void ProhibitedCharacterInThePasswordIsAConfigurationError()
    {
        var error = Assert.Throws<SmtpException>(
            () => new ScramMechanism(ScramMechanism.Sha256Name, Credentials("user", "bell\u0007")));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }

    [Fact]
    public void PasswordThatPreparesToNothingIsAConfigurationError()
    {
        var error = Assert.Throws<SmtpException>(
            () => new ScramMechanism(ScramMechanism.Sha1Name, Credentials("user", "\u00AD\u200B")));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }

    [Fact]
    public void ChallengeAfterCompletionIsRejected()
    {
        using var scram = Sha1();
        scram.GetInitialResponse();
        scram.Respond(Bytes(Sha1ServerFirst));
        scram.Respond(Bytes(Sha1ServerFinal));

        Assert.Throws<SaslException>(() => scram.Respond(Bytes(Sha1ServerFinal)));
    }

    /// <summary>RFC 5802 §3's formulas, computed here independently of the mechanism.</summary>
    private static (byte[] Proof, byte[] ServerSignature) Rfc5802(HashAlgorithmName hash, string password, byte[] salt,
        int iterations, string authMessage)
    {
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, hash,
            hash == HashAlgorithmName.SHA1 ? 20 : 32);
        byte[] clientKey = CryptographicOperations.HmacData(hash, salted, Bytes("Client Key"));
        byte[] storedKey = CryptographicOperations.HashData(hash, clientKey);
        byte[] clientSignature = CryptographicOperations.HmacData(hash, storedKey, Bytes(authMessage));
        byte[] proof = clientKey.Zip(clientSignature, (k, s) => (byte)(k ^ s)).ToArray();
        byte[] serverKey = CryptographicOperations.HmacData(hash, salted, Bytes("Server Key"));
        return (proof, CryptographicOperations.HmacData(hash, serverKey, Bytes(authMessage)));
    }
}
