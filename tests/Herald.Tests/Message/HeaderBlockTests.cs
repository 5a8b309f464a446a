using System.Text.RegularExpressions;
using Herald.Message;
using Xunit;

namespace Herald.Tests.Message;

public class HeaderBlockTests
{
    internal static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 5, 3, TimeSpan.FromHours(1));

    // A spec with no computed fields at all, so each test adds only what it looks at.
    internal static HeaderSpec Bare() => new() { MessageDate = "", MessageId = "", Clock = () => Now };

    private static SmtpException Rejects(HeaderSpec spec, string what)
    {
        var ex = Assert.Throws<SmtpException>(() => HeaderBlock.Build(spec));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, ex.Code);
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
        return ex;
    }

    [Fact]
    public void Builds_every_field_in_order()
    {
        var spec = new HeaderSpec
        {
            From = "\"Alice\" <alice@example.com>",
            SendTo = "bob@example.com, Carol <carol@example.com>",
            Cc = "dave@example.com",
            Subject = "Hello",
            MessageDate = "*",
            MessageId = "fixed@id.example",
            ReplyTo = "replies@example.com",
            Importance = SmtpImportances.miHigh,
            Priority = SmtpPriorities.epUrgent,
            Sensitivity = SmtpSensitivities.esPrivate,
            DeliveryNotificationTo = "dsn@example.com",
            ReadReceiptTo = "Alice <mdn@example.com>",
            OtherHeaders = "X-Mailer: Herald\r\nX-Two:  2",
            Body = BodyEncoding.QuotedPrintable,
            Clock = () => Now,
        };
        var built = HeaderBlock.Build(spec);
        Assert.Equal(
            "From: \"Alice\" <alice@example.com>\r\n" +
            "To: bob@example.com, \"Carol\" <carol@example.com>\r\n" +
            "Cc: dave@example.com\r\n" +
            "Subject: Hello\r\n" +
            "Date: Sun, 22 Nov 2026 09:05:03 +0100\r\n" +
            "Message-ID: <fixed@id.example>\r\n" +
            "Reply-To: replies@example.com\r\n" +
            "Importance: high\r\n" +
            "Priority: urgent\r\n" +
            "Sensitivity: Private\r\n" +
            "Return-Receipt-To: dsn@example.com\r\n" +
            "Disposition-Notification-To: \"Alice\" <mdn@example.com>\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: quoted-printable\r\n" +
            "X-Mailer: Herald\r\n" +
            "X-Two:  2\r\n",
            built.Text);
        Assert.Equal(
            [
                new("From", "\"Alice\" <alice@example.com>"),
                new("To", "bob@example.com, \"Carol\" <carol@example.com>"),
                new("Cc", "dave@example.com"),
                new("Subject", "Hello"),
                new("Date", "Sun, 22 Nov 2026 09:05:03 +0100"),
                new("Message-ID", "<fixed@id.example>"),
                new("Reply-To", "replies@example.com"),
                new("Importance", "high"),
                new("Priority", "urgent"),
                new("Sensitivity", "Private"),
                new("Return-Receipt-To", "dsn@example.com"),
                new("Disposition-Notification-To", "\"Alice\" <mdn@example.com>"),
                new("MIME-Version", "1.0"),
                new("Content-Type", "text/plain; charset=utf-8"),
                new("Content-Transfer-Encoding", "quoted-printable"),
                new("X-Mailer", "Herald"),
                new KeyValuePair<string, string>("X-Two", "2"),
            ],
            built.Fields);
    }

    [Fact]
    public void Defaults_give_only_a_generated_date_and_message_id()
    {
        var built = HeaderBlock.Build(new HeaderSpec { Clock = () => Now, IdDomain = "client.example" });
        Assert.Equal(["Date", "Message-ID"], built.Fields.Select(f => f.Key));
        Assert.Equal("Sun, 22 Nov 2026 09:05:03 +0100", built.Fields[0].Value);
        Assert.Matches(new Regex("^<[0-9a-f]{40}@client\\.example>$"), built.Fields[1].Value); // SHA1 by default
    }

    [Fact]
    public void Empty_strings_and_unspecified_enums_give_no_header()
    {
        var built = HeaderBlock.Build(Bare());
        Assert.Empty(built.Fields);
        Assert.Equal("", built.Text);
    }

    [Theory]
    [InlineData(SmtpImportances.miHigh, "high")]
    [InlineData(SmtpImportances.miNormal, "normal")]
    [InlineData(SmtpImportances.miLow, "low")]
    public void Importance_values(SmtpImportances value, string text)
    {
        var spec = Bare();
        spec.Importance = value;
        Assert.Equal("Importance: " + text + "\r\n", HeaderBlock.Build(spec).Text);
    }

    [Theory]
    [InlineData(SmtpPriorities.epNormal, "normal")]
    [InlineData(SmtpPriorities.epUrgent, "urgent")]
    [InlineData(SmtpPriorities.epNonUrgent, "non-urgent")]
    public void Priority_values(SmtpPriorities value, string text)
    {
        var spec = Bare();
        spec.Priority = value;
        Assert.Equal("Priority: " + text + "\r\n", HeaderBlock.Build(spec).Text);
    }

    [Theory]
    [InlineData(SmtpSensitivities.esPersonal, "Personal")]
    [InlineData(SmtpSensitivities.esPrivate, "Private")]
    [InlineData(SmtpSensitivities.esCompanyConfidential, "Company-Confidential")]
    public void Sensitivity_values(SmtpSensitivities value, string text)
    {
        var spec = Bare();
        spec.Sensitivity = value;
        Assert.Equal("Sensitivity: " + text + "\r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void Undefined_enum_values_are_rejected()
    {
        var spec = Bare();
        spec.Importance = (SmtpImportances)4;
        Rejects(spec, "Importance");
        spec = Bare();
        spec.Priority = (SmtpPriorities)(-1);
        Rejects(spec, "Priority");
        spec = Bare();
        spec.Sensitivity = (SmtpSensitivities)9;
        Rejects(spec, "Sensitivity");
    }

    [Theory]
    [InlineData("Fri, 1 Mar 96 21:24:52 EST")]
    [InlineData("whatever the user wants")]
    public void A_given_date_is_copied_verbatim(string date)
    {
        var spec = Bare();
        spec.MessageDate = date;
        Assert.Equal("Date: " + date + "\r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void The_date_is_read_from_the_clock_when_the_headers_are_built()
    {
        var now = Now;
        var spec = Bare();
        spec.MessageDate = "*";
        spec.Clock = () => now;
        var first = HeaderBlock.Build(spec).Fields[0].Value;
        now = now.AddDays(1);
        Assert.Equal("Sun, 22 Nov 2026 09:05:03 +0100", first);
        Assert.Equal("Mon, 23 Nov 2026 09:05:03 +0100", HeaderBlock.Build(spec).Fields[0].Value);
    }

    [Fact]
    public void Two_builds_get_different_message_ids()
    {
        var spec = new HeaderSpec { MessageDate = "", Clock = () => Now };
        Assert.NotEqual(HeaderBlock.Build(spec).Text, HeaderBlock.Build(spec).Text);
    }

    [Theory]
    [InlineData("MD5", 32)]
    [InlineData("sha256", 64)]
    public void The_message_id_algorithm_is_used(string algorithm, int hexDigits)
    {
        var spec = new HeaderSpec { MessageDate = "", MessageIdAlgorithm = algorithm, Clock = () => Now };
        Assert.Matches(new Regex($"^Message-ID: <[0-9a-f]{{{hexDigits}}}@localhost>\r\n$"), HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void An_unknown_algorithm_is_rejected_even_when_the_id_is_given()
    {
        var spec = Bare();
        spec.MessageId = "given@x.example";
        spec.MessageIdAlgorithm = "SHA512";
        Rejects(spec, "MessageIdAlgorithm");
    }

    [Fact]
    public void A_given_message_id_gets_angle_brackets()
    {
        var spec = Bare();
        spec.MessageId = "given@x.example";
        Assert.Equal("Message-ID: <given@x.example>\r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void Ascii_subject_is_not_encoded_even_with_a_charset()
    {
        var spec = Bare();
        spec.Subject = "Plain =?not? an encoded word";
        spec.Charset = "iso-8859-1";
        // "=?not?" holds "=?", which a lenient reader might try to decode, so only that word is encoded.
        Assert.Equal("Subject: Plain =?iso-8859-1?B?PT9ub3Q/?= an encoded word\r\n", HeaderBlock.Build(spec).Text);
        spec.Subject = "Quarterly report (final)";
        Assert.Equal("Subject: Quarterly report (final)\r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void Non_ascii_subject_is_encoded_in_utf8_when_no_charset_is_set()
    {
        var spec = Bare();
        spec.Subject = "Grüße aus Köln";
        var built = HeaderBlock.Build(spec);
        Assert.Equal("Subject: =?utf-8?B?R3LDvMOfZQ==?= aus =?utf-8?B?S8O2bG4=?=\r\n", built.Text);
        Assert.Equal("Grüße aus Köln", EncodedWords.Decode(built.Fields[0].Value));
    }

    [Fact]
    public void Non_ascii_subject_uses_the_charset_and_falls_back_to_utf8_when_it_cannot_hold_the_text()
    {
        var spec = Bare();
        spec.Charset = "ISO-8859-1";
        spec.Subject = "Grüße";
        Assert.Equal("Subject: =?iso-8859-1?B?R3L832U=?=\r\n", HeaderBlock.Build(spec).Text);
        spec.Subject = "日本";
        Assert.Equal("Subject: =?utf-8?B?5pel5pys?=\r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void Adjacent_non_ascii_words_are_encoded_together_with_the_space_between_them()
    {
        var spec = Bare();
        spec.Subject = "Über Äpfel und Öl";
        var built = HeaderBlock.Build(spec);
        Assert.Equal("Subject: =?utf-8?B?w5xiZXIgw4RwZmVs?= und =?utf-8?B?w5Zs?=\r\n", built.Text);
        Assert.Equal(spec.Subject, EncodedWords.Decode(built.Fields[0].Value));
    }

    [Fact]
    public void Subject_keeps_leading_inner_and_trailing_whitespace()
    {
        var spec = Bare();
        spec.Subject = " a  b\tc ";
        Assert.Equal("Subject:  a  b\tc \r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void Display_names_are_quoted_and_escaped()
    {
        var spec = Bare();
        spec.From = "\"Doe, John \\\"JD\\\"\" <john@example.com>, plain@example.com";
        Assert.Equal("From: \"Doe, John \\\"JD\\\"\" <john@example.com>, plain@example.com\r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void Non_ascii_display_names_become_phrase_encoded_words_even_without_a_charset()
    {
        var spec = Bare();
        spec.From = "Jörg <joerg@example.com>";
        spec.SendTo = "\"Zoë Müller-Lüdenscheidt\" <zoe@example.com>";
        var built = HeaderBlock.Build(spec);
        Assert.Equal("From: =?utf-8?B?SsO2cmc=?= <joerg@example.com>\r\n" +
                     "To: =?utf-8?B?Wm/DqyBNw7xsbGVyLUzDvGRlbnNjaGVpZHQ=?= <zoe@example.com>\r\n", built.Text);
        spec.Charset = "iso-8859-1";
        Assert.StartsWith("From: =?iso-8859-1?Q?J=F6rg?= <joerg@example.com>\r\n", HeaderBlock.Build(spec).Text,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Non_ascii_addresses_are_kept_raw_because_they_cannot_be_encoded()
    {
        var spec = Bare();
        spec.SendTo = "用户@例子.广告";
        Assert.Equal("To: 用户@例子.广告\r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void Groups_are_written_as_their_members()
    {
        var spec = Bare();
        spec.SendTo = "Team: a@x.example, b@x.example;, undisclosed-recipients:;";
        Assert.Equal("To: a@x.example, b@x.example\r\n", HeaderBlock.Build(spec).Text);
        spec.SendTo = "undisclosed-recipients:;";
        Assert.Equal("", HeaderBlock.Build(spec).Text);
    }

    [Theory]
    [InlineData("From")]
    [InlineData("SendTo")]
    [InlineData("Cc")]
    [InlineData("ReplyTo")]
    [InlineData("DeliveryNotificationTo")]
    [InlineData("ReadReceiptTo")]
    public void Malformed_address_lists_are_rejected_naming_the_property(string property)
    {
        var spec = Bare();
        typeof(HeaderSpec).GetProperty(property)!.SetValue(spec, "ok@x.example, not an address");
        Rejects(spec, property);
    }

    [Theory]
    [InlineData(1, "", "utf-8", "8bit")]
    [InlineData(2, "ISO-8859-1", "iso-8859-1", "quoted-printable")]
    [InlineData(1, "Windows-1252", "windows-1252", "8bit")]
    public void Body_encoding_adds_the_mime_headers(int body, string charset, string label, string cte)
    {
        var spec = Bare();
        spec.Body = (BodyEncoding)body;
        spec.Charset = charset;
        Assert.Equal("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=" + label + "\r\n" +
                     "Content-Transfer-Encoding: " + cte + "\r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void A_content_type_in_other_headers_takes_over_content_type_and_transfer_encoding()
    {
        var spec = Bare();
        spec.Body = BodyEncoding.QuotedPrintable;
        spec.OtherHeaders = "Content-Type: text/html; charset=utf-8";
        Assert.Equal("MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void Any_computed_field_supplied_in_other_headers_is_left_to_the_user()
    {
        var spec = Bare();
        spec.Subject = "computed";
        spec.MessageDate = "*";
        spec.Body = BodyEncoding.EightBit;
        spec.OtherHeaders = "subject: mine\nMIME-Version: 1.0 (mine)\nDate: Mon, 1 Jan 2024 00:00:00 +0000";
        Assert.Equal(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n" +
            "subject: mine\r\nMIME-Version: 1.0 (mine)\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n",
            HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void No_mime_headers_without_a_body_encoding()
    {
        var spec = Bare();
        spec.Charset = "utf-8";
        Assert.Equal("", HeaderBlock.Build(spec).Text);
    }

    [Fact]
    public void Other_headers_accept_lf_continuation_lines_and_skip_blank_lines()
    {
        var spec = Bare();
        spec.Subject = "s";
        spec.OtherHeaders = "X-A: one\n  two\n\tthree\n\n   \nX-B:\r\nX-C:c\r\n";
        var built = HeaderBlock.Build(spec);
        Assert.Equal("Subject: s\r\nX-A: one\r\n  two\r\n\tthree\r\nX-B:\r\nX-C:c\r\n", built.Text);
        Assert.Equal(
            [new("Subject", "s"), new("X-A", "one  two\tthree"), new("X-B", ""), new KeyValuePair<string, string>("X-C", "c")],
            built.Fields);
    }

    [Theory]
    [InlineData("\r\nFrom: me@x.example\r\nSubject: raw\r\n")]
    [InlineData("\nFrom: me@x.example\nSubject: raw")]
    public void Other_headers_starting_with_a_line_break_replace_the_computed_block(string other)
    {
        var spec = new HeaderSpec
        {
            From = "computed@x.example", Subject = "computed", Importance = SmtpImportances.miHigh,
            Body = BodyEncoding.QuotedPrintable, OtherHeaders = other, Clock = () => Now,
        };
        var built = HeaderBlock.Build(spec);
        Assert.Equal("From: me@x.example\r\nSubject: raw\r\n", built.Text);
        Assert.Equal([new("From", "me@x.example"), new KeyValuePair<string, string>("Subject", "raw")], built.Fields);
    }

    [Fact]
    public void A_lone_line_break_replaces_the_block_with_nothing()
    {
        var spec = new HeaderSpec { Subject = "computed", OtherHeaders = "\r\n", Clock = () => Now };
        var built = HeaderBlock.Build(spec);
        Assert.Equal("", built.Text);
        Assert.Empty(built.Fields);
    }

    [Theory]
    [InlineData("No colon here")]
    [InlineData("X-Ok: 1\r\nBad Name: x")]
    [InlineData(": empty name")]
    [InlineData("Bé: non-ascii name")]
    [InlineData(" starts with a continuation")]
    [InlineData("X-A: 1\rX-B: 2")]
    [InlineData("X-A: 1\0")]
    [InlineData("X-A: trailing cr\r")]
    public void Malformed_other_headers_are_rejected(string other)
    {
        var spec = Bare();
        spec.OtherHeaders = other;
        Rejects(spec, "OtherHeaders");
    }

    [Fact]
    public void An_other_headers_line_over_998_characters_is_folded_at_whitespace_or_rejected()
    {
        var spec = Bare();
        var words = string.Join(' ', Enumerable.Repeat("word", 300)); // 1499 characters
        spec.OtherHeaders = "X-Long: " + words;
        var built = HeaderBlock.Build(spec);
        Assert.All(built.Text.Split("\r\n"), line => Assert.True(line.Length <= 998));
        Assert.Equal("X-Long: " + words + "\r\n", HeaderFolding.Unfold(built.Text));
        Assert.Equal(words, built.Fields[0].Value);

        spec.OtherHeaders = "X-Long: " + new string('x', 1000);
        Rejects(spec, "OtherHeaders");
        spec.OtherHeaders = "X-Long: " + new string('x', 1000) + "    ";
        Rejects(spec, "OtherHeaders");
    }

    [Fact]
    public void User_headers_are_not_refolded_below_998_characters()
    {
        var spec = Bare();
        var value = string.Join(' ', Enumerable.Repeat("word", 100));
        spec.OtherHeaders = "X-Signed: " + value;
        Assert.Equal("X-Signed: " + value + "\r\n", HeaderBlock.Build(spec).Text);
    }
}
