using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.InfrastructureTests;

public class LinePatternTests
{
    [Theory]
    [InlineData("EHLO {any}", "EHLO client.test\r\n", true)]
    [InlineData("EHLO {any}", "EHLO \r\n", true)]
    [InlineData("EHLO {any}", "HELO client.test\r\n", false)]
    [InlineData("EHLO {any}", "EHLO client.test\n", false)]
    [InlineData("EHLO {any}", "EHLO a\rb\r\n", false)]
    [InlineData("Message-ID: <{any}@{any}>", "Message-ID: <123.abc@host.test>\r\n", true)]
    [InlineData("Message-ID: <{any}@{any}>", "Message-ID: <123.abc.host.test>\r\n", false)]
    [InlineData("Message-ID: <{any}@{any}>", "Message-ID: <1@2> extra\r\n", false)]
    [InlineData("{any}", "\r\n", true)]
    [InlineData("a{any}a", "a\r\n", false)]
    [InlineData("a{any}a", "aa\r\n", true)]
    public void MatchesWholeLines(string pattern, string line, bool matches)
    {
        Assert.Equal(matches, new LinePattern(pattern).Matches(Encoding.UTF8.GetBytes(line)));
    }

    [Theory]
    [InlineData("EHLO {any}", "EH", true)]
    [InlineData("EHLO {any}", "EHLO whatever", true)]
    [InlineData("EHLO {any}", "EX", false)]
    [InlineData("{any}x", "zzz", true)]
    public void RejectsAWrongStartEarly(string pattern, string prefix, bool possible)
    {
        Assert.Equal(possible, new LinePattern(pattern).CouldStartWith(Encoding.UTF8.GetBytes(prefix)));
    }

    [Fact]
    public void AWildcardMatchesAnythingWithoutLineBreaks()
    {
        static bool Clean(string s) => !s.Contains('\r') && !s.Contains('\n') && !s.Contains('{');
        Prop.ForAll<string, string, string>((before, middle, after) =>
        {
            before ??= "";
            middle ??= "";
            after ??= "";
            if (!Clean(before) || !Clean(after) || !Clean(middle))
            {
                return true;
            }
            var pattern = new LinePattern(before + "{any}" + after);
            return pattern.Matches(Encoding.UTF8.GetBytes(before + middle + after + "\r\n"))
                && !pattern.Matches(Encoding.UTF8.GetBytes(before + middle + "\n" + after + "\r\n"));
        }).QuickCheckThrowOnFailure();
    }
}
