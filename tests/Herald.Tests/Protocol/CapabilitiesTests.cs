using Herald.Protocol;
using Xunit;

namespace Herald.Tests.Protocol;

public class CapabilitiesTests
{
    [Fact]
    public void ReadsEveryKnownKeyword()
    {
        var reply = new SmtpReply(250, ["mx.example.org greets you", "PIPELINING", "SIZE 10485760", "VRFY", "ETRN", "STARTTLS",
            "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING", "BINARYMIME", "EXPN", "AUTH PLAIN LOGIN cram-md5"]);
        var caps = Capabilities.FromEhlo(reply);
        Assert.True(caps.IsExtended);
        Assert.Equal("mx.example.org", caps.ServerDomain);
        Assert.True(caps.Pipelining);
        Assert.True(caps.Size);
        Assert.Equal(10485760, caps.MaxSize);
        Assert.True(caps.Vrfy && caps.Expn && caps.StartTls && caps.EnhancedStatusCodes && caps.EightBitMime);
        Assert.True(caps.Dsn && caps.SmtpUtf8 && caps.Chunking && caps.BinaryMime && caps.Auth);
        Assert.True(caps.SupportsAuth("CRAM-MD5"));
        Assert.True(caps.SupportsAuth("plain"));
        Assert.False(caps.SupportsAuth("XOAUTH2"));
    }

    [Fact]
    public void KeywordsAreCaseInsensitiveAndOldAuthFormIsMerged()
    {
        var caps = Capabilities.FromEhlo(new SmtpReply(250, ["host", "pipelining", "AUTH=LOGIN", "AUTH PLAIN", "size"]));
        Assert.True(caps.Pipelining);
        Assert.True(caps.SupportsAuth("LOGIN"));
        Assert.True(caps.SupportsAuth("PLAIN"));
        Assert.True(caps.Size);
        Assert.Equal(0, caps.MaxSize);
    }

    [Fact]
    public void NoneOffersNothing()
    {
        var caps = Capabilities.None;
        Assert.False(caps.IsExtended);
        Assert.False(caps.Pipelining || caps.StartTls || caps.Auth || caps.Size);
    }
}
