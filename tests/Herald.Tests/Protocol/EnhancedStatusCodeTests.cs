using Herald.Protocol;
using Xunit;

namespace Herald.Tests.Protocol;

public class EnhancedStatusCodeTests
{
    [Theory]
    [InlineData("5.1.1 User unknown", 5, 1, 1, 5)]
    [InlineData("4.7.0", 4, 7, 0, 5)]
    [InlineData("2.0.0 Ok", 2, 0, 0, 5)]
    [InlineData("5.123.999 x", 5, 123, 999, 9)]
    public void ParsesWellFormedCodes(string text, int cls, int subject, int detail, int length)
    {
        Assert.True(EnhancedStatusCode.TryParse(text, out var code, out int len));
        Assert.Equal(new EnhancedStatusCode(cls, subject, detail), code);
        Assert.Equal(length, len);
        Assert.Equal($"{cls}.{subject}.{detail}", code.ToString());
    }

    [Theory]
    [InlineData("3.1.1 bad class")]
    [InlineData("5.1 too short")]
    [InlineData("5.1234.1 too long")]
    [InlineData("5.1.1x glued")]
    [InlineData("Ok 5.1.1")]
    [InlineData("")]
    public void RejectsOtherText(string text) =>
        Assert.False(EnhancedStatusCode.TryParse(text, out _, out _));
}
