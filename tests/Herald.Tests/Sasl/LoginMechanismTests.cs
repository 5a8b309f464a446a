using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class LoginMechanismTests
{
    [Fact]
    public void AnswersUserNameThenPassword()
    {
        using var login = new LoginMechanism(Credentials("user@example.test", "s3cret!"));

        Assert.False(login.HasInitialResponse);
        Assert.Throws<InvalidOperationException>(() => login.GetInitialResponse());
        // The prompts as servers send them: base64 "VXNlcm5hbWU6" and "UGFzc3dvcmQ6".
        Assert.Equal("user@example.test", Text(login.Respond(Convert.FromBase64String("VXNlcm5hbWU6"))));
        Assert.False(login.IsComplete);
        Assert.Equal("s3cret!", Text(login.Respond(Convert.FromBase64String("UGFzc3dvcmQ6"))));
        Assert.True(login.IsComplete);
        Assert.True(login.SendsSecretInClear);
    }

    [Fact]
    public void UnrecognisablePromptsAreAnsweredByOrder()
    {
        using var login = new LoginMechanism(Credentials("u", "p"));

        Assert.Equal("u", Text(login.Respond([])));
        Assert.Equal("p", Text(login.Respond(Bytes("Kennwort:"))));
    }

    [Theory]
    [InlineData("Password:", "Username:")]   // swapped, as some servers send them
    [InlineData("", "")]                     // bare 334s
    [InlineData("Benutzername:", "Passwort:")]
    [InlineData("PASSWORD:", "PASSWORD:")]
    public void ThePromptTextNeverDecidesTheAnswer(string first, string second)
    {
        using var login = new LoginMechanism(Credentials("u", "p"));

        Assert.Equal("u", Text(login.Respond(Bytes(first))));
        Assert.False(login.IsComplete);
        Assert.Equal("p", Text(login.Respond(Bytes(second))));
        Assert.True(login.IsComplete);
    }

    [Fact]
    public void AThirdChallengeIsRejected()
    {
        using var login = new LoginMechanism(Credentials("u", "p"));
        login.Respond(Bytes("Username:"));
        login.Respond(Bytes("Password:"));

        Assert.Throws<SaslException>(() => login.Respond(Bytes("Password:")));
    }

    [Fact]
    public void MissingPasswordIsAConfigurationError()
    {
        var error = Assert.Throws<SmtpException>(() => new LoginMechanism(Credentials("u", "") with { Words = Smtp.Terms }));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
        Assert.Contains("set Password", error.Message, StringComparison.Ordinal);
    }
}
