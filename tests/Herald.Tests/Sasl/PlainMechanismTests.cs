using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class PlainMechanismTests
{
    [Fact]
    public void InitialResponseIsAuthzidNulAuthcidNulPassword()
    {
        using var plain = new PlainMechanism(Credentials("tim", "tanstaaftanstaaf", authzid: "admin"));

        Assert.True(plain.HasInitialResponse);
        Assert.Equal("admin\0tim\0tanstaaftanstaaf", Text(plain.GetInitialResponse()));
        Assert.True(plain.IsComplete);
        Assert.True(plain.SendsSecretInClear);
    }

    [Fact]
    public void EmptyAuthorizationIdentityLeavesTheFirstFieldEmpty()
    {
        using var plain = new PlainMechanism(Credentials("user@example.test", "s3cret!"));

        // base64 of "\0user@example.test\0s3cret!", as it goes on the AUTH line.
        Assert.Equal("AHVzZXJAZXhhbXBsZS50ZXN0AHMzY3JldCE=", Convert.ToBase64String(plain.GetInitialResponse()));
    }

    [Fact]
    public void NonAsciiCredentialsAreUtf8()
    {
        using var plain = new PlainMechanism(Credentials("jöran", "pässwörd"));

        Assert.Equal(Bytes("\0jöran\0pässwörd"), plain.GetInitialResponse());
    }

    [Fact]
    public void EmptyChallengeBeforeTheInitialResponseGetsTheMessage()
    {
        using var plain = new PlainMechanism(Credentials("tim", "pw"));

        Assert.Equal("\0tim\0pw", Text(plain.Respond([])));
        Assert.True(plain.IsComplete);
        Assert.Throws<SaslException>(() => plain.Respond([]));
    }

    [Fact]
    public void AnyChallengeAfterTheMessageIsRejected()
    {
        using var plain = new PlainMechanism(Credentials());
        plain.GetInitialResponse();

        Assert.Throws<SaslException>(() => plain.Respond(Bytes("more?")));
        Assert.Throws<InvalidOperationException>(() => plain.GetInitialResponse());
    }

    [Theory]
    [InlineData("", "pw", "")]
    [InlineData("user", "", "")]
    [InlineData("us\0er", "pw", "")]
    [InlineData("user", "p\0w", "")]
    [InlineData("user", "pw", "ad\0min")]
    public void MissingOrNulContainingCredentialsAreConfigurationErrors(string user, string password, string authzid)
    {
        var error = Assert.Throws<SmtpException>(() => new PlainMechanism(Credentials(user, password, authzid)));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }
}
