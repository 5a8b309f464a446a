using Herald.Protocol;
using Xunit;

namespace Herald.Tests.Protocol;

public class CommandFormattingTests
{
    [Fact]
    public void MailCommandCarriesPathAndParameters() =>
        Assert.Equal("MAIL FROM:<a@example.org> SIZE=42 BODY=8BITMIME",
            SmtpCommands.Mail("MAIL", "a@example.org", ["SIZE=42", "BODY=8BITMIME"]));

    [Fact]
    public void NullReversePathIsEmptyBrackets() =>
        Assert.Equal("MAIL FROM:<>", SmtpCommands.Mail("MAIL", "", []));

    [Fact]
    public void TerminalVerbsReplaceMail() =>
        Assert.Equal("SAML FROM:<a@x>", SmtpCommands.Mail("SAML", "a@x", []));

    [Fact]
    public void RcptCommandCarriesOptions() =>
        Assert.Equal("RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE", SmtpCommands.Rcpt("b@example.org", "NOTIFY=SUCCESS,FAILURE"));

    [Theory]
    [InlineData("evil@x>\r\nRCPT TO:<victim@y")]
    [InlineData("evil@x\n")]
    [InlineData("evil@x\r")]
    [InlineData("evil\0@x")]
    public void LineBreaksInAddressesAreRefused(string address)
    {
        var e = Assert.Throws<SmtpException>(() => SmtpCommands.Rcpt(address, ""));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("recipient address", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LineBreakInHelloIsRefused() =>
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => SmtpCommands.Ehlo("host\r\nQUIT")).Code);

    [Fact]
    public void BdatCommand()
    {
        Assert.Equal("BDAT 100", SmtpCommands.Bdat(100, last: false));
        Assert.Equal("BDAT 0 LAST", SmtpCommands.Bdat(0, last: true));
    }

    [Theory]
    [InlineData("NOTIFY SUCCESS,FAILURE", "NOTIFY=SUCCESS,FAILURE")]
    [InlineData("NOTIFY=SUCCESS,FAILURE", "NOTIFY=SUCCESS,FAILURE")]
    [InlineData("notify never", "NOTIFY=never")]
    [InlineData("NOTIFY SUCCESS ORCPT rfc822;a@b", "NOTIFY=SUCCESS ORCPT=rfc822;a@b")]
    [InlineData("  ", "")]
    [InlineData("", "")]
    public void RecipientOptionsAreWrittenInRfc3461Form(string input, string expected) =>
        Assert.Equal(expected, RecipientOptions.Normalize(input));

    [Fact]
    public void RecipientOptionsWithLineBreakAreRefused() =>
        Assert.Throws<SmtpException>(() => RecipientOptions.Normalize("NOTIFY=NEVER\r\nRSET"));
}
