using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class CramMd5MechanismTests
{
    [Fact]
    public void Rfc2195ExampleGivesTheRfcResponse()
    {
        using var cram = new CramMd5Mechanism(Credentials("tim", "tanstaaftanstaaf"));

        // RFC 2195 §2, in the base64 form the server and client exchange.
        byte[] challenge = Convert.FromBase64String("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
        Assert.Equal("<1896.697170952@postoffice.reston.mci.net>", Text(challenge));
        byte[] response = cram.Respond(challenge);

        Assert.Equal("tim b913a602c7eda7a495b4e6e7334d3890", Text(response));
        Assert.Equal("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", Convert.ToBase64String(response));
        Assert.True(cram.IsComplete);
        Assert.False(cram.SendsSecretInClear);
    }

    [Fact]
    public void EmptyChallengeIsRejected()
    {
        using var cram = new CramMd5Mechanism(Credentials());

        Assert.Throws<SaslException>(() => cram.Respond([]));
    }

    [Fact]
    public void SecondChallengeIsRejected()
    {
        using var cram = new CramMd5Mechanism(Credentials());
        cram.Respond(Bytes("<1.2@host>"));

        Assert.Throws<SaslException>(() => cram.Respond(Bytes("<1.3@host>")));
    }

    [Fact]
    public void HasNoInitialResponse()
    {
        using var cram = new CramMd5Mechanism(Credentials());

        Assert.False(cram.HasInitialResponse);
        Assert.Throws<InvalidOperationException>(() => cram.GetInitialResponse());
    }
}
