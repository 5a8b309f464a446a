using Herald.Protocol;
using Herald.Tests.Cli;
using Xunit;

namespace Herald.Tests.PublicApi;

/// <summary>
/// The Smtp component's members that an application uses to adapt it: the words of its error messages, and what the
/// server announced.
/// </summary>
public class SmtpPublicApiTests
{
    [Fact]
    public void Error_messages_name_the_components_properties_by_default_and_the_applications_words_when_given()
    {
        using var byDefault = new Smtp();
        using var ownWords = new Smtp { MessageTerms = SettingTerms.Neutral with { Server = "the --host option" } };

        var e1 = Assert.Throws<SmtpException>(byDefault.Connect);
        var e2 = Assert.Throws<SmtpException>(ownWords.Connect);

        Assert.Equal(SmtpErrorCodes.NoMailServer, e1.Code);
        Assert.Contains("set MailServer to", e1.Message);
        Assert.Equal(SmtpErrorCodes.NoMailServer, e2.Code);
        Assert.Contains("set the --host option to", e2.Message);
        Assert.DoesNotContain("MailServer", e2.Message);
        Assert.Equal("the --host option", ownWords.MessageTerms.Server);
        Assert.Throws<ArgumentNullException>(() => ownWords.MessageTerms = null!);
    }

    [Fact]
    public async Task ServerCapabilities_shows_the_EHLO_reply_while_the_session_is_open()
    {
        await using var server = new ScriptedServer("220 fake ESMTP", "250-fake.example\n250-SIZE 1000\n250 8BITMIME", "221 bye");
        using var smtp = new Smtp { MailServer = "127.0.0.1", MailPort = server.Port, SSLStartMode = SmtpSSLStartModes.sslNone };

        Assert.Same(Capabilities.None, smtp.ServerCapabilities);
        await smtp.ConnectAsync();
        var caps = smtp.ServerCapabilities;
        await smtp.DisconnectAsync();

        Assert.True(caps.IsExtended);
        Assert.Equal("fake.example", caps.ServerDomain);
        Assert.Equal(1000, caps.MaxSize);
        Assert.True(caps.EightBitMime);
        Assert.False(caps.StartTls);
        Assert.Same(Capabilities.None, smtp.ServerCapabilities);
    }
}
