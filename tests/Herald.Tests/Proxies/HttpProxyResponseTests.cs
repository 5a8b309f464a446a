using System.Text;
using Herald.Transport.Proxies;
using Xunit;

namespace Herald.Tests.Proxies;

/// <summary>The pure parts of the HTTP exchange: the response head parser and the "how many bytes may I read" rule.</summary>
public class HttpProxyResponseTests
{
    private static HttpProxyResponse Parse(string head)
    {
        Assert.True(HttpProxyResponse.TryParse(Encoding.Latin1.GetBytes(head), out var response, out string error), error);
        return response!;
    }

    [Fact]
    public void ParsesTheStatusLineAndFoldedFields()
    {
        var r = Parse("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n realm=\"a b\"\r\nX-Empty:\r\n\r\n");
        Assert.Equal(1, r.MinorVersion);
        Assert.Equal(407, r.Status);
        Assert.Equal("Proxy Authentication Required", r.Reason);
        Assert.Equal(["Basic realm=\"a b\""], r.Values("proxy-authenticate"));
        Assert.Equal([""], r.Values("X-Empty"));
    }

    [Fact]
    public void AnEmptyReasonIsAllowed()
    {
        var r = Parse("HTTP/1.1 200\r\n\r\n");
        Assert.Equal(200, r.Status);
        Assert.Equal("200", r.StatusText);
    }

    [Theory]
    [InlineData("Basic realm=\"x\"", "Basic")]
    [InlineData("Negotiate, Basic realm=\"a, b\", NTLM", "Negotiate Basic NTLM")]
    [InlineData("Digest realm=\"x\", qop=\"auth\", nonce=\"abc\"", "Digest")]
    [InlineData("Bearer", "Bearer")]
    public void AuthSchemesAreTheTokensNotTheParameters(string challenge, string schemes)
    {
        var r = Parse($"HTTP/1.1 407 x\r\nProxy-Authenticate: {challenge}\r\n\r\n");
        Assert.Equal(schemes.Split(' '), r.AuthSchemes());
    }

    [Theory]
    [InlineData("HTTP/1.1 407 x\r\n\r\n", true)]
    [InlineData("HTTP/1.1 407 x\r\nConnection: close\r\n\r\n", false)]
    [InlineData("HTTP/1.1 407 x\r\nProxy-Connection: Close\r\n\r\n", false)]
    [InlineData("HTTP/1.0 407 x\r\n\r\n", false)]
    [InlineData("HTTP/1.0 407 x\r\nConnection: Keep-Alive\r\n\r\n", true)]
    public void KeepsConnectionFollowsTheVersionAndTheConnectionField(string head, bool keeps)
    {
        Assert.Equal(keeps, Parse(head).KeepsConnection);
    }

    [Theory]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 99 Low\r\n\r\n")]
    [InlineData("HTTP/1.1 200OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n")]
    public void MalformedHeadsAreRefused(string head)
    {
        Assert.False(HttpProxyResponse.TryParse(Encoding.Latin1.GetBytes(head), out _, out string error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK", 2)]
    [InlineData("HTTP/1.1 200 OK\r", 2)]
    [InlineData("HTTP/1.1 200 OK\r\n", 1)]
    [InlineData("HTTP/1.1 200 OK\r\n\r", 1)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", 0)]
    [InlineData("HTTP/1.1 200 OK\n\n", 0)]
    [InlineData("HTTP/1.1 200 OK\r\n\n", 0)]
    public void TheHeadReaderNeverAsksForMoreThanTheShortestPossibleEnd(string sofar, int need)
    {
        Assert.Equal(need, HttpConnectHandshake.BytesToEnd(Encoding.ASCII.GetBytes(sofar)));
    }
}
