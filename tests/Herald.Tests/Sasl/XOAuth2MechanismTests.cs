using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class XOAuth2MechanismTests
{
    [Fact]
    public void InitialResponseMatchesThePublishedExample()
    {
        // Google's XOAUTH2 protocol description: user someuser@example.com, token ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg.
        using var xoauth2 = new XOAuth2Mechanism(
            new SaslCredentials("someuser@example.com", "", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", "h"));

        byte[] response = xoauth2.GetInitialResponse();

        Assert.Equal("user=someuser@example.com\u0001auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\u0001\u0001",
            Text(response));
        Assert.Equal(
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==",
            Convert.ToBase64String(response));
        Assert.True(xoauth2.SendsSecretInClear);
        Assert.False(xoauth2.IsComplete);
    }

    [Theory]
    [InlineData("Bearer user-oauth-token")]
    [InlineData("bearer user-oauth-token")]
    [InlineData("  Bearer   user-oauth-token ")]
    [InlineData("user-oauth-token")]
    public void TokenIsTakenWithOrWithoutTheBearerPrefix(string authorizationIdentity)
    {
        using var xoauth2 = new XOAuth2Mechanism(new SaslCredentials("user@example.test", "", authorizationIdentity, "h"));

        Assert.Equal("user=user@example.test\u0001auth=Bearer user-oauth-token\u0001\u0001", Text(xoauth2.GetInitialResponse()));
    }

    [Fact]
    public void ErrorChallengeIsRecordedAndAnsweredWithAnEmptyResponse()
    {
        using var xoauth2 = new XOAuth2Mechanism(new SaslCredentials("user@example.test", "", "expired", "h"));
        xoauth2.GetInitialResponse();

        // The error challenge as Gmail sends it (base64 JSON).
        byte[] challenge = Convert.FromBase64String(
            "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==");
        byte[] response = xoauth2.Respond(challenge);

        Assert.Empty(response);
        Assert.Equal("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}", xoauth2.ServerError);
        Assert.True(xoauth2.IsComplete);
        Assert.Throws<SaslException>(() => xoauth2.Respond(challenge));
    }

    [Fact]
    public void MultiLineJsonIsCompactedAndNonJsonIsKeptAsText()
    {
        using var json = new XOAuth2Mechanism(new SaslCredentials("u", "", "t", "h"));
        json.GetInitialResponse();
        json.Respond(Bytes("{\n  \"status\": \"400\"\n}\n"));
        Assert.Equal("{\"status\":\"400\"}", json.ServerError);

        using var text = new XOAuth2Mechanism(new SaslCredentials("u", "", "t", "h"));
        text.GetInitialResponse();
        text.Respond(Bytes("token expired"));
        Assert.Equal("token expired", text.ServerError);
    }

    [Fact]
    public void EmptyChallengeBeforeTheInitialResponseGetsIt()
    {
        using var xoauth2 = new XOAuth2Mechanism(new SaslCredentials("u", "", "t", "h"));

        Assert.Equal("user=u\u0001auth=Bearer t\u0001\u0001", Text(xoauth2.Respond([])));
        Assert.Null(xoauth2.ServerError);
    }

    [Theory]
    [InlineData("", "token")]
    [InlineData("user", "")]
    [InlineData("user", "Bearer ")]
    [InlineData("user", "tok en")]
    [InlineData("user", "tok\u0001en")]
    [InlineData("us\u0001er", "token")]
    public void MissingOrUnusableCredentialsAreConfigurationErrors(string user, string authorizationIdentity)
    {
        var error = Assert.Throws<SmtpException>(
            () => new XOAuth2Mechanism(new SaslCredentials(user, "", authorizationIdentity, "h")));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }
}
