using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Facade;

/// <summary>
/// The message as the component builds it: the computed headers (MessageHeaders, MessageHeadersString), the
/// introspection pair after a send, recipients and their collection, ResetHeaders and Reset.
/// </summary>
public class MessagePropertiesTests
{
    private const string Date = "Sun, 22 Nov 2026 10:00:00 +0000";

    private static void EveryHeader(Smtp smtp)
    {
        smtp.From = "\"Alice A.\" <alice@example.org>";
        smtp.SendTo = "bob@example.com, \"Carol\" <carol@example.com>";
        smtp.Cc = "dan@example.com";
        smtp.BCc = "eve@example.net";
        smtp.Subject = "Every header";
        smtp.MessageDate = Date;
        smtp.MessageId = "<42@client.test>";
        smtp.ReplyTo = "replies@example.org";
        smtp.Importance = SmtpImportances.miHigh;
        smtp.Priority = SmtpPriorities.epUrgent;
        smtp.Sensitivity = SmtpSensitivities.esCompanyConfidential;
        smtp.DeliveryNotificationTo = "receipts@example.org";
        smtp.ReadReceiptTo = "read@example.org";
        smtp.OtherHeaders = "X-Mailer: Herald";
    }

    [Fact]
    public void MessageHeadersListsEveryComputedFieldInOrderAndNeverBcc()
    {
        using var smtp = new Smtp();
        EveryHeader(smtp);
        var fields = smtp.MessageHeaders.Select(h => $"{h.Field}: {h.Value}").ToList();
        Assert.Equal(
        [
            "From: \"Alice A.\" <alice@example.org>",
            "To: bob@example.com, \"Carol\" <carol@example.com>",
            "Cc: dan@example.com",
            "Subject: Every header",
            "Date: " + Date,
            "Message-ID: <42@client.test>",
            "Reply-To: replies@example.org",
            "Importance: high",
            "Priority: urgent",
            "Sensitivity: Company-Confidential",
            "Return-Receipt-To: receipts@example.org",
            "Disposition-Notification-To: read@example.org",
            "X-Mailer: Herald",
        ], fields);
        Assert.Equal(string.Concat(fields.Select(f => f + "\r\n")) + "\r\n", smtp.MessageHeadersString);
        Assert.Equal(smtp.MessageHeadersString, smtp.Config("MessageHeadersString"));
        Assert.DoesNotContain("eve@example.net", smtp.MessageHeadersString, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherHeadersStartingWithAnEmptyLineReplaceTheComputedBlock()
    {
        using var smtp = new Smtp();
        EveryHeader(smtp);
        smtp.OtherHeaders = "\r\nFrom: someone@example.org\r\nSubject: mine";
        Assert.Equal("From: someone@example.org\r\nSubject: mine\r\n\r\n", smtp.MessageHeadersString);
    }

    [Fact]
    public void TheGeneratedDateAndIdStayTheSameUntilTheInputsChange()
    {
        using var smtp = new Smtp { From = "alice@example.org", SendTo = "bob@example.com" };
        string first = smtp.MessageHeadersString;
        Assert.Contains("Date: ", first, StringComparison.Ordinal);
        Assert.Contains("Message-ID: <", first, StringComparison.Ordinal);
        Assert.Equal(first, smtp.MessageHeadersString); // what a send will use is what was shown
        smtp.Subject = "changed";
        Assert.NotEqual(first, smtp.MessageHeadersString);
        smtp.MessageDate = "";
        Assert.DoesNotContain("Date:", smtp.MessageHeadersString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadersStringAndTransferTextAddUpToTheMessageTheServerReceived()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port };
        EveryHeader(smtp);
        smtp.MessageDate = "*";
        smtp.MessageId = "*";
        smtp.MessageText = "Line one\r\n.Line two starts with a dot\r\nGrüße\r\n";
        await smtp.SendAsync();

        var message = Assert.Single(server.Sessions[0].Messages);
        Assert.Equal(message.Text, smtp.MessageHeadersString + smtp.Config("TransferText"));
        Assert.Equal(["bob@example.com", "carol@example.com", "dan@example.com", "eve@example.net"], message.Recipients);
        Assert.DoesNotContain("eve@example.net", message.Text, StringComparison.Ordinal);
        Assert.Equal(smtp.MessageHeaders.Single(h => h.Field == "Message-ID").Value,
            message.Text.Split("\r\n").Single(l => l.StartsWith("Message-ID: ", StringComparison.Ordinal))["Message-ID: ".Length..]);
    }

    [Theory]
    [InlineData("first\r\nlast line without a line end", false)]
    [InlineData("one\ntwo\rthree", false)]
    [InlineData("Subject: raw\r\n\r\nraw body without a line end", true)]
    public async Task TheIntrospectionPairIncludesTheLineEndTheClientAddedToTheLastLine(string content, bool raw)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = new Smtp
        {
            MailServer = server.Host, MailPort = server.Port, From = "alice@example.org", SendTo = "bob@example.com",
        };
        if (raw)
        {
            smtp.Message = content;
        }
        else
        {
            smtp.MessageText = content;
        }
        await smtp.SendAsync();

        var message = Assert.Single(server.Sessions[0].Messages);
        Assert.EndsWith("\r\n", message.Text, StringComparison.Ordinal); // CRLF.CRLF needs the last line ended
        Assert.Equal(message.Text, smtp.MessageHeadersString + smtp.Config("TransferText"));
    }

    [Fact]
    public async Task EachSendGetsItsOwnMessageId()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = new Smtp
        {
            MailServer = server.Host, MailPort = server.Port, From = "alice@example.org", SendTo = "bob@example.com",
        };
        await smtp.SendAsync();
        string first = smtp.MessageHeaders.Single(h => h.Field == "Message-ID").Value;
        await smtp.SendAsync();
        string second = smtp.MessageHeaders.Single(h => h.Field == "Message-ID").Value;
        Assert.NotEqual(first, second);
        var ids = server.Sessions.SelectMany(s => s.Messages)
            .Select(m => m.Text.Split("\r\n").Single(l => l.StartsWith("Message-ID: ", StringComparison.Ordinal))).ToList();
        Assert.Equal([$"Message-ID: {first}", $"Message-ID: {second}"], ids);
    }

    [Fact]
    public void SettingRecipientsAppendsToMessageRecipients()
    {
        using var smtp = new Smtp();
        smtp.SendTo = "\"Bob B.\" <bob@example.com>";
        smtp.SendTo = "carol@example.com";
        smtp.Cc = "dan@example.com, erin@example.com";
        smtp.BCc = "eve@example.net";
        Assert.Equal(
            [
                "bob@example.com/Bob B./rtTo", "carol@example.com//rtTo", "dan@example.com//rtCc", "erin@example.com//rtCc",
                "eve@example.net//rtBcc",
            ],
            smtp.MessageRecipients.Select(r => $"{r.Address}/{r.Name}/{r.RecipientType}"));
        Assert.Equal("\"Bob B.\" <bob@example.com>, carol@example.com", smtp.SendTo);
        Assert.Equal("dan@example.com, erin@example.com", smtp.Cc);
        Assert.Equal("eve@example.net", smtp.BCc);

        smtp.MessageRecipients.Clear();
        Assert.Equal("", smtp.SendTo);
        smtp.MessageRecipients.Add(new MessageRecipient("frank@example.com", (int)EmailRecipientTypes.rtCc));
        Assert.Equal("frank@example.com", smtp.Cc);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MessageRecipient("x@example.com", 3));
    }

    [Fact]
    public void AMalformedAddressIsRefusedAndAddsNothing()
    {
        using var smtp = new Smtp();
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => smtp.SendTo = "bob@example.com, <broken").Code);
        Assert.Empty(smtp.MessageRecipients);
    }

    [Fact]
    public void ResetHeadersEmptiesEveryHeaderPropertyAndKeepsTheBodyAndSettings()
    {
        using var smtp = new Smtp { MailServer = "mail.example.org", Timeout = 5, MessageText = "body" };
        EveryHeader(smtp);
        smtp.Config("StopOnBccErrors=True");
        smtp.ResetHeaders();

        Assert.Equal("", smtp.From);
        Assert.Equal("", smtp.SendTo);
        Assert.Equal("", smtp.Cc);
        Assert.Equal("", smtp.BCc);
        Assert.Empty(smtp.MessageRecipients);
        Assert.Equal("", smtp.Subject);
        Assert.Equal("", smtp.ReplyTo);
        Assert.Equal("", smtp.ReturnPath);
        Assert.Equal("", smtp.OtherHeaders);
        Assert.Equal("", smtp.DeliveryNotificationTo);
        Assert.Equal("", smtp.ReadReceiptTo);
        Assert.Equal(SmtpImportances.miUnspecified, smtp.Importance);
        Assert.Equal(SmtpPriorities.epUnspecified, smtp.Priority);
        Assert.Equal(SmtpSensitivities.esUnspecified, smtp.Sensitivity);
        Assert.Equal("*", smtp.MessageDate);
        Assert.Equal("*", smtp.MessageId);
        Assert.Equal("", smtp.MessageHeadersString);
        Assert.Equal("body", smtp.MessageText);
        Assert.Equal("mail.example.org", smtp.MailServer);
        Assert.Equal(5, smtp.Timeout);
        Assert.Equal("True", smtp.Config("StopOnBccErrors"));
    }

    [Fact]
    public async Task ResetDisconnectsAndRestoresEveryDefault()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port };
        await smtp.ConnectAsync();
        smtp.Timeout = 5;
        smtp.AllowExtensions = false;
        EveryHeader(smtp);
        smtp.MessageText = "body";
        smtp.Message = "raw";
        smtp.User = "alice";
        smtp.Password = "s3cret";
        smtp.SSLStartMode = SmtpSSLStartModes.sslExplicit;
        smtp.Config("StopOnToErrors=False");
        smtp.Config("MaxHeaderLength=100");
        smtp.Config("Charset=utf-8");
        smtp.Config("KeepQueue=True");
        smtp.Config("SelectWaitMillis=50");
        smtp.Config("MaskSensitiveData=False");
        smtp.Config("FirewallHost=proxy.example.org");

        await smtp.ResetAsync();

        Assert.False(smtp.Connected);
        Assert.Contains("QUIT", server.Sessions[0].Lines);
        Assert.Equal(60, smtp.Timeout);
        Assert.Equal(25, smtp.MailPort);
        Assert.Equal("", smtp.MailServer);
        Assert.True(smtp.AllowExtensions);
        Assert.Equal("", smtp.From);
        Assert.Empty(smtp.MessageRecipients);
        Assert.Equal("", smtp.MessageText);
        Assert.Equal("", smtp.Message);
        Assert.Equal("", smtp.User);
        Assert.Equal("", smtp.Password);
        Assert.Equal("*", smtp.MessageDate);
        Assert.Equal("*", smtp.MessageId);
        Assert.Equal(SmtpSSLStartModes.sslNone, smtp.SSLStartMode);
        Assert.Equal("True", smtp.Config("StopOnToErrors"));
        Assert.Equal("80", smtp.Config("MaxHeaderLength"));
        Assert.Equal("", smtp.Config("Charset"));
        Assert.Equal("False", smtp.Config("KeepQueue"));
        Assert.Equal("20", smtp.Config("SelectWaitMillis"));
        Assert.Equal("True", smtp.Config("MaskSensitiveData"));
        Assert.Equal("", smtp.Config("FirewallHost"));
        Assert.Equal(System.Net.Dns.GetHostName(), smtp.Config("Hello"));
        Assert.True(smtp.Idle);
    }

    [Fact]
    public void ResetWithoutAConnectionRestoresTheDefaults()
    {
        using var smtp = new Smtp { MailServer = "mail.example.org", MailPort = 587, Timeout = 0, From = "alice@example.org" };
        smtp.Config("UseIPv6=2");
        smtp.Reset();
        Assert.Equal("", smtp.MailServer);
        Assert.Equal(25, smtp.MailPort);
        Assert.Equal(60, smtp.Timeout);
        Assert.Equal("", smtp.From);
        Assert.Equal("0", smtp.Config("UseIPv6"));
    }
}
