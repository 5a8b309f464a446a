using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Facade;

/// <summary>
/// Inputs are checked before anything goes on the wire: the required MailServer, From and recipient (163/164/165),
/// ranges, line breaks that would inject commands or headers, and settings that cannot change while connected.
/// </summary>
public class ValidationTests
{
    private static void Message(Smtp smtp)
    {
        smtp.MailServer = "mail.example.org";
        smtp.From = "alice@example.org";
        smtp.SendTo = "bob@example.com";
        smtp.MessageText = "Hello.\r\n";
    }

    [Fact]
    public async Task AMissingMailServerIs163BeforeAnyConnection()
    {
        var (smtp, factory) = RefusingTransportFactory.Create();
        using var _ = smtp;
        Message(smtp);
        smtp.MailServer = "";
        Assert.Equal(SmtpErrorCodes.NoMailServer, Assert.Throws<SmtpException>(smtp.Send).Code);
        Assert.Equal(SmtpErrorCodes.NoMailServer, (await Assert.ThrowsAsync<SmtpException>(() => smtp.SendAsync())).Code);
        Assert.Equal(SmtpErrorCodes.NoMailServer, Assert.Throws<SmtpException>(smtp.Connect).Code);
        Assert.Equal(0, factory.Attempts);
    }

    [Fact]
    public void AMissingSenderIs164()
    {
        var (smtp, factory) = RefusingTransportFactory.Create();
        using var _ = smtp;
        Message(smtp);
        smtp.From = "";
        var e = Assert.Throws<SmtpException>(smtp.Send);
        Assert.Equal(SmtpErrorCodes.NoSender, e.Code);
        Assert.Contains("From", e.Message);
        smtp.From = "   ";
        Assert.Equal(SmtpErrorCodes.NoSender, Assert.Throws<SmtpException>(smtp.Send).Code);
        Assert.Equal(0, factory.Attempts);
    }

    [Fact]
    public void NoRecipientIs165AndOnlyCcOrBccNeedsAllowEmptyTo()
    {
        var (smtp, factory) = RefusingTransportFactory.Create();
        using var _ = smtp;
        Message(smtp);
        smtp.MessageRecipients.Clear();
        Assert.Equal(SmtpErrorCodes.NoRecipient, Assert.Throws<SmtpException>(smtp.Send).Code);

        smtp.Cc = "carol@example.com";
        smtp.BCc = "dave@example.com";
        var e = Assert.Throws<SmtpException>(smtp.Send);
        Assert.Equal(SmtpErrorCodes.NoRecipient, e.Code);
        Assert.Contains("AllowEmptyTo", e.Message);
        Assert.Equal(0, factory.Attempts);

        smtp.Config("AllowEmptyTo=True");
        Assert.Throws<RefusingTransportFactory.ConnectAttempted>(smtp.Send); // validation passed: it tried to connect
        Assert.Equal(1, factory.Attempts);
    }

    [Fact]
    public void TheTerminalSendsNeedAllowExtensions()
    {
        var (smtp, factory) = RefusingTransportFactory.Create();
        using var _ = smtp;
        Message(smtp);
        smtp.AllowExtensions = false;
        Assert.Equal(SmtpErrorCodes.NotSupported, Assert.Throws<SmtpException>(smtp.SendToTerminalOnly).Code);
        Assert.Equal(SmtpErrorCodes.NotSupported, Assert.Throws<SmtpException>(smtp.SendToTerminalOrEmail).Code);
        Assert.Equal(SmtpErrorCodes.NotSupported, Assert.Throws<SmtpException>(smtp.SendToTerminalAndEmail).Code);
        Assert.Equal(0, factory.Attempts);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void MailPortOutsideOneTo65535Is116(int port)
    {
        using var smtp = new Smtp();
        Assert.Equal(SmtpErrorCodes.InvalidPort, Assert.Throws<SmtpException>(() => smtp.MailPort = port).Code);
        Assert.Equal(25, smtp.MailPort);
        smtp.MailPort = 65535;
        Assert.Equal(65535, smtp.MailPort);
    }

    [Fact]
    public void ANegativeTimeoutIsRefused()
    {
        using var smtp = new Smtp();
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => smtp.Timeout = -1).Code);
        smtp.Timeout = 0; // no limit
        Assert.Equal(0, smtp.Timeout);
    }

    [Fact]
    public void SendCommandWhileNotConnectedIs212()
    {
        var (smtp, factory) = RefusingTransportFactory.Create();
        using var _ = smtp;
        Assert.Equal(SmtpErrorCodes.NotConnected, Assert.Throws<SmtpException>(() => smtp.SendCommand("NOOP")).Code);
        Assert.Equal(0, factory.Attempts);
    }

    public static TheoryData<string, string> LineBreaks => new()
    {
        { "From", "alice@example.org\r\nBcc: eve@example.net" },
        { "Subject", "Hi\r\nBcc: eve@example.net" },
        { "Subject", "Hi\nX-Evil: 1" },
        { "Subject", "Hi\rX-Evil: 1" },
        { "MessageDate", "today\r\nX-Evil: 1" },
        { "MessageId", "<1@x>\r\nX-Evil: 1" },
        { "ReplyTo", "a@example.org\nX-Evil: 1" },
        { "DeliveryNotificationTo", "a@example.org\r\nX-Evil: 1" },
        { "ReadReceiptTo", "a@example.org\r\nX-Evil: 1" },
        { "ReturnPath", "a@example.org>\r\nRCPT TO:<eve@example.net" },
        { "MailServer", "mail.example.org\r\n" },
        { "LocalHost", "127.0.0.1\n" },
        { "SendTo", "bob@example.com\r\nRCPT TO:<eve@example.net>" },
        { "Cc", "carol@example.com\nX-Evil: 1" },
        { "BCc", "dave@example.com\r\nDATA" },
        { "Subject", "nul\0byte" },
    };

    [Theory, MemberData(nameof(LineBreaks))]
    public void ALineBreakInASingleLinePropertyIsRefused(string property, string value)
    {
        using var smtp = new Smtp();
        var info = typeof(Smtp).GetProperty(property)!;
        object? before = info.GetValue(smtp);
        var e = Assert.Throws<SmtpException>(() =>
        {
            try
            {
                info.SetValue(smtp, value);
            }
            catch (System.Reflection.TargetInvocationException t) when (t.InnerException is not null)
            {
                throw t.InnerException;
            }
        });
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Equal(before, info.GetValue(smtp));
        Assert.Empty(smtp.MessageRecipients);
    }

    [Theory]
    [InlineData("Hello=client.test\r\nMAIL FROM:<eve@example.net>")]
    [InlineData("AuthorizationIdentity=token\r\nX")]
    [InlineData("FirewallHost=proxy\n")]
    [InlineData("FirewallUser=user\r\n")]
    [InlineData("LocalHost=127.0.0.1\r\n")]
    [InlineData("ReturnPath=a@example.org\r\nRSET")]
    public void ALineBreakInASingleLineSettingIsRefused(string setting)
    {
        using var smtp = new Smtp();
        string name = setting[..setting.IndexOf('=', StringComparison.Ordinal)];
        string before = smtp.Config(name);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => smtp.Config(setting)).Code);
        Assert.Equal(before, smtp.Config(name));
    }

    [Fact]
    public void ALineBreakInARecipientAddedDirectlyIsRefusedAtSend()
    {
        var (smtp, factory) = RefusingTransportFactory.Create();
        using var _ = smtp;
        Message(smtp);
        smtp.MessageRecipients.Add(new MessageRecipient("eve@example.net>\r\nDATA"));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(smtp.Send).Code);
        smtp.MessageRecipients.RemoveAt(1);
        smtp.MessageRecipients[0].Options = "NOTIFY=NEVER\r\nRSET";
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(smtp.Send).Code);
        Assert.Equal(0, factory.Attempts);
    }

    [Fact]
    public async Task SettingsThatShapeTheConnectionAreLockedWhileConnected()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port };
        await smtp.ConnectAsync();

        Assert.Equal(SmtpErrorCodes.PortLocked, Assert.Throws<SmtpException>(() => smtp.MailPort = 2525).Code);
        Assert.Equal(SmtpErrorCodes.ServerLocked, Assert.Throws<SmtpException>(() => smtp.MailServer = "other.example.org").Code);
        Assert.Equal(SmtpErrorCodes.LocalPortLocked, Assert.Throws<SmtpException>(() => smtp.Config("LocalPort=40000")).Code);
        Assert.Equal(SmtpErrorCodes.LocalHostLocked, Assert.Throws<SmtpException>(() => smtp.LocalHost = "127.0.0.1").Code);
        Assert.Equal(SmtpErrorCodes.LocalHostLocked, Assert.Throws<SmtpException>(() => smtp.Config("LocalHost=127.0.0.1")).Code);
        Assert.Equal(SmtpErrorCodes.MaxLineLengthLocked, Assert.Throws<SmtpException>(() => smtp.Config("MaxLineLength=4096")).Code);
        Assert.Equal(SmtpErrorCodes.AlreadyConnected, (await Assert.ThrowsAsync<SmtpException>(() => smtp.ConnectAsync())).Code);
        Assert.Equal(server.Port, smtp.MailPort);
        Assert.Equal(server.Host, smtp.MailServer);
        Assert.Equal("2048", smtp.Config("MaxLineLength"));

        await smtp.DisconnectAsync();
        smtp.MailPort = 2525;
        smtp.MailServer = "other.example.org";
        smtp.Config("LocalPort=40000");
        smtp.LocalHost = "127.0.0.1";
        smtp.Config("MaxLineLength=4096");
        Assert.Equal("4096", smtp.Config("MaxLineLength"));
    }
}
