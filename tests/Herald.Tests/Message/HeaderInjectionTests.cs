using FsCheck;
using FsCheck.Fluent;
using Herald.Message;
using Xunit;

namespace Herald.Tests.Message;

public class HeaderInjectionTests
{
    public static TheoryData<string, string> SingleLineInputs()
    {
        var data = new TheoryData<string, string>();
        string[] properties =
        [
            "From", "SendTo", "Cc", "ReplyTo", "DeliveryNotificationTo", "ReadReceiptTo", "Subject", "MessageDate",
            "MessageId", "Charset", "MessageIdAlgorithm", "IdDomain",
        ];
        foreach (var property in properties)
        {
            foreach (var breaker in new[] { "\r\n", "\r", "\n", "\0" })
            {
                data.Add(property, breaker);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SingleLineInputs))]
    public void Line_breaks_and_nul_in_any_single_line_input_are_rejected_naming_it(string property, string breaker)
    {
        var spec = HeaderBlockTests.Bare();
        var valid = property switch
        {
            "Charset" => "utf-8",
            "MessageIdAlgorithm" => "SHA1",
            "IdDomain" => "host.example",
            "MessageDate" => "Mon, 1 Jan 2024 00:00:00 +0000",
            "MessageId" => "id@host.example",
            "Subject" => "hello",
            _ => "a@x.example",
        };
        typeof(HeaderSpec).GetProperty(property)!.SetValue(spec, valid + breaker + "Bcc: victim@x.example");
        var ex = Assert.Throws<SmtpException>(() => HeaderBlock.Build(spec));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, ex.Code);
        Assert.StartsWith(property, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_values_without_the_break_are_accepted()
    {
        // Guards the test above: the spec it builds is valid until the break is added.
        var spec = HeaderBlockTests.Bare();
        spec.From = spec.SendTo = spec.Cc = spec.ReplyTo = spec.DeliveryNotificationTo = spec.ReadReceiptTo = "a@x.example";
        spec.Subject = "hello";
        spec.MessageDate = "Mon, 1 Jan 2024 00:00:00 +0000";
        spec.MessageId = "id@host.example";
        spec.Charset = "utf-8";
        spec.IdDomain = "host.example";
        Assert.Equal(9, HeaderBlock.Build(spec).Fields.Count);
    }

    [Fact]
    public void Property_no_subject_can_add_a_header_line()
    {
        Prop.ForAll(MessageGenerators.AnyText(), subject =>
        {
            var spec = HeaderBlockTests.Bare();
            spec.Subject = subject;
            if (subject.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                try
                {
                    HeaderBlock.Build(spec);
                    return false;
                }
                catch (SmtpException ex)
                {
                    return ex.Code == SmtpErrorCodes.InvalidArgument;
                }
            }
            var text = HeaderBlock.Build(spec).Text;
            var unfolded = HeaderFolding.Unfold(text);
            // Exactly one field: one line end, at the very end, and no bare CR or LF anywhere.
            return subject.Length == 0
                ? text.Length == 0
                : unfolded.IndexOf("\r\n", StringComparison.Ordinal) == unfolded.Length - 2
                  && unfolded[..^2].AsSpan().IndexOfAny('\r', '\n') < 0;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [Fact]
    public void Other_headers_cannot_smuggle_a_body_through_a_blank_line()
    {
        var spec = HeaderBlockTests.Bare();
        spec.OtherHeaders = "X-A: 1\r\n\r\nThis would be body\r\n";
        var ex = Assert.Throws<SmtpException>(() => HeaderBlock.Build(spec));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, ex.Code); // "This would be body" has no colon

        spec.OtherHeaders = "X-A: 1\r\n\r\nX-B: 2\r\n";
        Assert.Equal("X-A: 1\r\nX-B: 2\r\n", HeaderBlock.Build(spec).Text);
    }
}
