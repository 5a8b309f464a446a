using System.Text;
using Herald.Protocol;
using Xunit;

namespace Herald.Tests.Protocol;

public class SmtpReplyParserTests
{
    private static SmtpReply ParseWhole(string wire, int maxLineLength = 2048)
    {
        var parser = new SmtpReplyParser(maxLineLength);
        var bytes = Encoding.UTF8.GetBytes(wire);
        var reply = parser.Feed(bytes, out int consumed);
        Assert.NotNull(reply);
        Assert.Equal(bytes.Length, consumed);
        return reply!;
    }

    [Fact]
    public void SingleLineReplyCarriesCodeTextAndEnhancedCode()
    {
        var reply = ParseWhole("250 2.1.0 Sender ok\r\n");
        Assert.Equal(250, reply.Code);
        Assert.Equal(["2.1.0 Sender ok"], reply.Lines);
        Assert.Equal(new EnhancedStatusCode(2, 1, 0), reply.EnhancedCode);
        Assert.Equal("Sender ok", reply.Message);
        Assert.True(reply.IsSuccess);
    }

    [Fact]
    public void MultiLineReplyKeepsEveryLine()
    {
        var reply = ParseWhole("250-mail.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n");
        Assert.Equal(["mail.example.org Hello", "PIPELINING", "SIZE 1000", "8BITMIME"], reply.Lines);
        Assert.Equal("250-mail.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME", reply.ToString());
    }

    [Theory]
    [InlineData("334\r\n")]
    [InlineData("334 \r\n")]
    public void BareCodeIsAcceptedAsAnEmptyReply(string wire)
    {
        var reply = ParseWhole(wire);
        Assert.Equal(334, reply.Code);
        Assert.Equal([""], reply.Lines);
        Assert.Equal("334", reply.FormatLine(0));
    }

    [Fact]
    public void BareLineFeedEndsALine()
    {
        var reply = ParseWhole("220 ready\n");
        Assert.Equal(220, reply.Code);
        Assert.Equal("ready", reply.Lines[0]);
    }

    [Theory]
    [InlineData("2x0 bad\r\n")]
    [InlineData("600 too big\r\n")]
    [InlineData("199 too small\r\n")]
    [InlineData("25\r\n")]
    [InlineData("250_odd separator\r\n")]
    [InlineData("abc\r\n")]
    [InlineData("\r\n")]
    public void MalformedLinesAreRejected(string wire)
    {
        var parser = new SmtpReplyParser();
        Assert.Throws<SmtpProtocolException>(() => parser.Feed(Encoding.ASCII.GetBytes(wire), out _));
    }

    [Fact]
    public void ChangingCodeInsideAMultiLineReplyIsRejected()
    {
        var parser = new SmtpReplyParser();
        var e = Assert.Throws<SmtpProtocolException>(() => parser.Feed("250-first\r\n251 second\r\n"u8, out _));
        Assert.Contains("250 then 251", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlongLineIsRejectedBeforeItEnds()
    {
        var parser = new SmtpReplyParser(maxLineLength: 256);
        var line = "250 " + new string('x', 300);
        var e = Assert.Throws<SmtpProtocolException>(() => parser.Feed(Encoding.ASCII.GetBytes(line), out _));
        Assert.Contains("256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LineOfExactlyTheLimitIsAccepted()
    {
        var text = new string('y', 252);
        var reply = ParseWhole("250 " + text + "\r\n", maxLineLength: 256);
        Assert.Equal(text, reply.Lines[0]);
    }

    [Fact]
    public void TooManyLinesAreRejected()
    {
        var parser = new SmtpReplyParser(2048, maxLines: 3);
        Assert.Throws<SmtpProtocolException>(() => parser.Feed("250-a\r\n250-b\r\n250-c\r\n250 d\r\n"u8, out _));
    }

    [Fact]
    public void BytesAfterACompleteReplyAreLeftForTheNextCall()
    {
        var parser = new SmtpReplyParser();
        var data = "250 ok\r\n354 go\r\n"u8.ToArray();
        var first = parser.Feed(data, out int consumed);
        Assert.Equal(250, first!.Code);
        Assert.Equal(8, consumed);
        var second = parser.Feed(data.AsSpan(consumed), out int consumed2);
        Assert.Equal(354, second!.Code);
        Assert.Equal(data.Length - consumed, consumed2);
    }

    [Fact]
    public void ResumesInTheMiddleOfALine()
    {
        var parser = new SmtpReplyParser();
        Assert.Null(parser.Feed("25"u8, out _));
        Assert.True(parser.InReply);
        Assert.Null(parser.Feed("0-fir"u8, out _));
        Assert.Null(parser.Feed("st\r"u8, out _));
        Assert.Null(parser.Feed("\n250 sec"u8, out _));
        var reply = parser.Feed("ond\r\n"u8, out _);
        Assert.Equal(["first", "second"], reply!.Lines);
        Assert.False(parser.InReply);
    }

    [Fact]
    public void EnhancedCodeOfAnotherClassIsIgnored()
    {
        var reply = ParseWhole("550 2.1.0 odd\r\n");
        Assert.Null(reply.EnhancedCode);
    }
}
