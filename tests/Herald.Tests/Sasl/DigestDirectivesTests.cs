using Herald.Security.Sasl;
using Xunit;

namespace Herald.Tests.Sasl;

public class DigestDirectivesTests
{
    [Fact]
    public void ParsesTokensQuotedStringsAndWhiteSpace()
    {
        var directives = DigestDirectives.Parse(" Realm = \"a, b\" ,nonce=\"x\\\"y\\\\z\",\t qop=auth ");

        Assert.Equal(
            [
                new KeyValuePair<string, string>("realm", "a, b"),
                new KeyValuePair<string, string>("nonce", "x\"y\\z"),
                new KeyValuePair<string, string>("qop", "auth"),
            ],
            directives);
    }

    [Fact]
    public void EmptyListElementsAreSkipped()
    {
        Assert.Equal(2, DigestDirectives.Parse(",,a=1,,b=\"2\",").Count);
        Assert.Empty(DigestDirectives.Parse(" , "));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("a=")]
    [InlineData("=b")]
    [InlineData("a=\"b")]
    [InlineData("a=\"b\\")]
    [InlineData("a=b c=d")]
    [InlineData("a=\"b\"c")]
    public void MalformedListsAreRejected(string text)
    {
        Assert.Throws<SaslException>(() => DigestDirectives.Parse(text));
    }

    [Fact]
    public void QuoteEscapesQuotesAndBackslashes()
    {
        Assert.Equal("\"a\\\"b\\\\c\"", DigestDirectives.Quote("a\"b\\c"));
        Assert.Equal("a\"b\\c", DigestDirectives.Parse("x=" + DigestDirectives.Quote("a\"b\\c"))[0].Value);
    }
}
