using Herald.Cli;
using Herald.Protocol;
using Xunit;

namespace Herald.Tests.Cli;

public class ExitCodeTests
{
    private static SmtpException Reply(int code, string text) =>
        new(SmtpErrorCodes.ProtocolError, "refused", new SmtpReply(code, [text]));

    [Theory]
    [InlineData(535, "5.7.8 Authentication credentials invalid", ExitCodes.NoPermission)]
    [InlineData(530, "5.7.0 Authentication required", ExitCodes.NoPermission)]
    [InlineData(534, "5.7.9 Please log in with your web browser", ExitCodes.NoPermission)]
    [InlineData(538, "5.7.11 Encryption required", ExitCodes.NoPermission)]
    [InlineData(554, "5.7.8 Error: authentication failed", ExitCodes.NoPermission)]
    [InlineData(454, "4.7.0 Temporary authentication failure", ExitCodes.TempFail)]
    [InlineData(421, "4.3.2 Service shutting down", ExitCodes.TempFail)]
    [InlineData(450, "4.2.1 Mailbox busy", ExitCodes.TempFail)]
    [InlineData(452, "Insufficient storage", ExitCodes.TempFail)]
    [InlineData(550, "5.1.1 User unknown", ExitCodes.Unavailable)]
    [InlineData(554, "5.7.1 Relay access denied", ExitCodes.Unavailable)]
    [InlineData(502, "5.5.1 VRFY disabled", ExitCodes.Unavailable)]
    [InlineData(550, "No such user", ExitCodes.Unavailable)]
    [InlineData(501, "5.1.3 Bad recipient address syntax", ExitCodes.Usage)]
    [InlineData(553, "5.1.7 Bad sender address syntax", ExitCodes.Usage)]
    [InlineData(552, "5.3.4 Message too big for system", ExitCodes.DataError)]
    [InlineData(554, "5.6.0 Message content rejected", ExitCodes.DataError)]
    [InlineData(250, "2.0.0 OK", ExitCodes.Protocol)]
    [InlineData(354, "Go ahead", ExitCodes.Protocol)]
    public void ServerRepliesMapToSysexits(int code, string text, int expected) =>
        Assert.Equal(expected, ExitCodes.For(Reply(code, text)));

    [Theory]
    [InlineData(SmtpErrorCodes.NoMailServer, ExitCodes.Usage)]
    [InlineData(SmtpErrorCodes.NoSender, ExitCodes.Usage)]
    [InlineData(SmtpErrorCodes.NoRecipient, ExitCodes.Usage)]
    [InlineData(SmtpErrorCodes.InvalidArgument, ExitCodes.Usage)]
    [InlineData(SmtpErrorCodes.InvalidPort, ExitCodes.Usage)]
    [InlineData(SmtpErrorCodes.Timeout, ExitCodes.TempFail)]
    [InlineData(SmtpErrorCodes.ConnectionTimedOut, ExitCodes.TempFail)]
    [InlineData(SmtpErrorCodes.Interrupted, ExitCodes.TempFail)]
    [InlineData(11002, ExitCodes.TempFail)]
    [InlineData(SmtpErrorCodes.ConnectionRefused, ExitCodes.Unavailable)]
    [InlineData(SmtpErrorCodes.HostNotFound, ExitCodes.Unavailable)]
    [InlineData(SmtpErrorCodes.CommunicationError, ExitCodes.Unavailable)]
    [InlineData(SmtpErrorCodes.TlsHandshakeError, ExitCodes.Unavailable)]
    [InlineData(SmtpErrorCodes.FirewallError, ExitCodes.Unavailable)]
    [InlineData(SmtpErrorCodes.CertVerificationError, ExitCodes.NoPermission)]
    [InlineData(SmtpErrorCodes.CertStoreError, ExitCodes.Config)]
    [InlineData(SmtpErrorCodes.CertNotFound, ExitCodes.Config)]
    [InlineData(SmtpErrorCodes.NotSupported, ExitCodes.Config)]
    [InlineData(SmtpErrorCodes.CannotOpenFile, ExitCodes.NoInput)]
    public void LibraryCodesMapToSysexits(int code, int expected) => Assert.Equal(expected, ExitCodes.For(new SmtpException(code, "x")));

    [Fact]
    public void AMalformedServerReplyIsAProtocolError()
    {
        var e = new SmtpException(SmtpErrorCodes.CommunicationError, "bad reply",
            new SmtpProtocolException("reply code is not three digits"));
        Assert.Equal(ExitCodes.Protocol, ExitCodes.For(e));
        // The same code without the parser's complaint is a plain communication failure.
        var reset = new SmtpException(SmtpErrorCodes.CommunicationError, "reset", new IOException());
        Assert.Equal(ExitCodes.Unavailable, ExitCodes.For(reset));
    }

    [Fact]
    public void ProtocolErrorWithoutAReplyIsAProtocolError() =>
        Assert.Equal(ExitCodes.Protocol, ExitCodes.For(new SmtpException(SmtpErrorCodes.ProtocolError, "no reply")));

    [Fact]
    public void OtherFailures()
    {
        Assert.Equal(ExitCodes.NoInput, ExitCodes.For(new CliException(ExitCodes.NoInput, "missing")));
        Assert.Equal(ExitCodes.Usage, ExitCodes.For(CliException.Usage("bad")));
        Assert.Equal(ExitCodes.NoInput, ExitCodes.For(new FileNotFoundException()));
        Assert.Equal(ExitCodes.TempFail, ExitCodes.For(new OperationCanceledException()));
        Assert.Equal(ExitCodes.Software, ExitCodes.For(new InvalidOperationException()));
    }
}
