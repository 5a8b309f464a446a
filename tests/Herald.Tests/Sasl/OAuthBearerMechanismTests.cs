using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class OAuthBearerMechanismTests
{
    [Fact]
    public void Rfc7628InitialResponse()
    {
        // RFC 7628 §4.1: user@example.com at server.example.com port 143.
        var credentials = new SaslCredentials("user@example.com", "", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
            "server.example.com", Port: 143);
        using var bearer = new OAuthBearerMechanism(credentials);

        Assert.Equal(
            "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVy" +
            "IHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB",
            Convert.ToBase64String(bearer.GetInitialResponse()));
        Assert.True(bearer.SendsSecretInClear);
    }

    [Fact]
    public void HostAndPortAreOptional()
    {
        using var bearer = new OAuthBearerMechanism(new SaslCredentials("user@example.test", "", "Bearer t0k", ""));

        Assert.Equal("n,a=user@example.test,\u0001auth=Bearer t0k\u0001\u0001", Text(bearer.GetInitialResponse()));
    }

    [Fact]
    public void UserNameIsEscapedAndMayBeOmitted()
    {
        using var escaped = new OAuthBearerMechanism(new SaslCredentials("a,b=c", "", "t", ""));
        Assert.StartsWith("n,a=a=2Cb=3Dc,\u0001", Text(escaped.GetInitialResponse()), StringComparison.Ordinal);

        using var anonymous = new OAuthBearerMechanism(new SaslCredentials("", "", "t", ""));
        Assert.StartsWith("n,,\u0001auth=", Text(anonymous.GetInitialResponse()), StringComparison.Ordinal);
    }

    [Fact]
    public void Rfc7628ErrorChallengeIsRecordedAndAnsweredWithASingleControlA()
    {
        using var bearer = new OAuthBearerMechanism(new SaslCredentials("user@example.com", "", "bad", "h"));
        bearer.GetInitialResponse();

        // RFC 7628 §4.3's failure challenge; the client answers "AQ==", a single 0x01.
        byte[] challenge = Convert.FromBase64String(
            "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRw" +
            "czovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=");
        byte[] response = bearer.Respond(challenge);

        Assert.Equal("AQ==", Convert.ToBase64String(response));
        Assert.Equal("{\"status\":\"invalid_token\",\"scope\":\"example_scope\"," +
                     "\"openid-configuration\":\"https://example.com/.well-known/openid-configuration\"}", bearer.ServerError);
        Assert.True(bearer.IsComplete);
        Assert.Throws<SaslException>(() => bearer.Respond(challenge));
    }

    [Fact]
    public void EmptyChallengeBeforeTheInitialResponseGetsIt()
    {
        using var bearer = new OAuthBearerMechanism(new SaslCredentials("u", "", "t", ""));

        Assert.Equal("n,a=u,\u0001auth=Bearer t\u0001\u0001", Text(bearer.Respond([])));
    }

    [Fact]
    public void MissingTokenIsAConfigurationError()
    {
        var error = Assert.Throws<SmtpException>(() => new OAuthBearerMechanism(new SaslCredentials("u", "pw", "", "h")));
        var worded = Assert.Throws<SmtpException>(
            () => new OAuthBearerMechanism(new SaslCredentials("u", "pw", "", "h", Words: Smtp.Terms)));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
        Assert.Contains("OAuth access token", error.Message, StringComparison.Ordinal);
        // The message names the setting in the words of the component in use.
        Assert.Contains("AuthorizationIdentity", worded.Message, StringComparison.Ordinal);
    }
}
