using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.PublicApi;

/// <summary>
/// The public reader of ready messages as an application uses it: the envelope a saved message's header fields imply,
/// the message as it is sent (Bcc fields left out, missing fields added), and reading it again for a retry.
/// </summary>
public class ReadyMessageStreamTests
{
    private const string Message =
        "From: \"Alice\" <alice@example.org>\r\n" +
        "To: bob@example.com, \"Carol, C.\" <carol@example.com>\r\n" +
        "Bcc: hidden@example.com\r\n" +
        "Cc: BOB@example.com, dave@example.com\r\n" +
        "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n" +
        "\r\n" +
        "Bcc: this line is body text\r\n";

    private static ReadyMessageStream Open(string text, bool removeBcc = true) =>
        new(new MemoryStream(Encoding.UTF8.GetBytes(text)), removeBcc);

    private static string ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Encoding.UTF8.GetString(copy.ToArray());
    }

    [Fact]
    public void The_envelope_comes_from_From_To_Cc_and_Bcc_each_address_once()
    {
        using var stream = Open(Message);

        var envelope = stream.ReadHeaders().GetEnvelope();

        Assert.Equal("alice@example.org", envelope.Sender);
        Assert.Equal(["bob@example.com", "carol@example.com", "dave@example.com", "hidden@example.com"], envelope.Recipients);
        Assert.False(envelope.Resent);
    }

    [Fact]
    public void The_newest_resent_block_decides_the_envelope()
    {
        using var stream = Open(
            "Resent-From: carol@example.com\r\nResent-To: erin@example.net\r\nResent-Date: Mon, 1 Dec 2025 10:00:00 +0000\r\n" +
            "Received: from a.example by b.example; Mon, 1 Dec 2025 09:00:00 +0000\r\n" +
            "Resent-From: old@example.com\r\nResent-To: old-to@example.net\r\n" +
            "From: alice@example.org\r\nTo: bob@example.com\r\n\r\nbody\r\n");

        var envelope = stream.ReadHeaders().GetEnvelope();

        Assert.Equal("carol@example.com", envelope.Sender);
        Assert.Equal(["erin@example.net"], envelope.Recipients);
        Assert.True(envelope.Resent);
    }

    [Fact]
    public void The_message_is_read_without_its_Bcc_field_and_its_length_counts_what_is_read()
    {
        using var stream = Open(Message);

        string sent = ReadAll(stream);

        Assert.DoesNotContain("hidden@example.com", sent);
        Assert.Contains("\r\n\r\nBcc: this line is body text\r\n", sent); // the body is untouched
        Assert.Equal(Encoding.UTF8.GetByteCount(sent), stream.Length);
        stream.Position = 0;
        Assert.Equal(sent, ReadAll(stream)); // a retry reads the same bytes
    }

    [Fact]
    public void Bcc_stays_when_the_caller_asks_for_it()
    {
        using var stream = Open(Message, removeBcc: false);

        Assert.Contains("Bcc: hidden@example.com\r\n", ReadAll(stream));
    }

    [Fact]
    public void Fields_are_found_by_name_without_regard_to_case_and_encoded_words_decode_on_request()
    {
        using var stream = Open(Message);
        var headers = stream.ReadHeaders();

        Assert.True(headers.Contains("subject"));
        Assert.False(headers.Contains("Date"));
        Assert.Null(headers.Get("Date"));
        Assert.Equal("=?UTF-8?B?R3LDvMOfZQ==?=", headers.Get("SUBJECT"));
        Assert.Equal("Grüße", ReadyMessageHeaders.DecodeText(headers.Get("Subject")!));
        Assert.Equal(["BOB@example.com, dave@example.com"], headers.GetAll("Cc"));
        Assert.Same(headers, stream.Headers);
    }

    [Fact]
    public async Task ReadHeadersAsync_gives_the_same_fields_as_the_synchronous_read()
    {
        await using var stream = Open(Message);

        var headers = await stream.ReadHeadersAsync(CancellationToken.None);

        Assert.Equal(["bob@example.com", "carol@example.com", "dave@example.com", "hidden@example.com"],
            headers.GetEnvelope().Recipients);
    }

    [Fact]
    public void A_malformed_address_field_is_an_invalid_argument_naming_the_field()
    {
        using var stream = Open("From: alice@example.org\r\nTo: <unclosed@example.com\r\n\r\nbody\r\n");

        var e = Assert.Throws<SmtpException>(() => stream.ReadHeaders().GetEnvelope());

        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("To", e.Message);
    }

    [Fact]
    public void Input_without_a_header_block_end_within_1_MiB_is_refused()
    {
        using var stream = Open("X-Long: " + new string('a', (1 << 20) + 10));

        var e = Assert.Throws<SmtpException>(() => stream.ReadHeaders());

        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
    }

    [Fact]
    public void Missing_From_Date_and_Message_ID_are_added_and_the_From_name_is_encoded()
    {
        using var stream = Open("To: bob@example.com\r\nSubject: hi\r\n\r\nbody\r\n");
        stream.ReadHeaders();

        stream.AddMissingFields("Jürgen <backup@example.org>");
        string sent = ReadAll(stream);

        string head = sent[..sent.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.Matches(@"\r\nFrom: =\?utf-8\?[BQ]\?[^?]+\?= <backup@example.org>\r\n", head + "\r\n");
        Assert.Matches(@"\r\nDate: \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", head);
        Assert.Matches(@"\r\nMessage-ID: <[^@>]+@example\.org>", head);
        Assert.EndsWith("\r\n\r\nbody\r\n", sent);
    }

    [Fact]
    public void Fields_the_message_has_are_left_alone_and_no_From_is_added_without_an_address()
    {
        const string complete = "From: a@example.org\r\nDate: Mon, 1 Dec 2025 10:00:00 +0000\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n";
        using var stream = Open(complete);
        stream.ReadHeaders();

        stream.AddMissingFields("other@example.com");

        Assert.Equal(complete, ReadAll(stream));

        using var noFrom = Open("To: b@example.com\r\n\r\nbody\r\n");
        noFrom.ReadHeaders();
        noFrom.AddMissingFields(null);
        string sent = ReadAll(noFrom);
        Assert.DoesNotContain("From:", sent);
        Assert.Contains($"@{System.Net.Dns.GetHostName()}>\r\n", sent); // the Message-ID's domain is this machine's name
    }

    [Fact]
    public void Fields_are_added_only_between_reading_the_headers_and_reading_the_message()
    {
        using var stream = Open(Message);

        Assert.Throws<InvalidOperationException>(() => stream.AddMissingFields("a@example.org"));
        stream.ReadHeaders();
        Assert.Throws<SmtpException>(() => stream.AddMissingFields("a@example.org, b@example.org"));
        Assert.Throws<ArgumentException>(() => stream.AddFields("X-No-Line-End: 1"));
        stream.AddFields("X-Added: 1\r\n");
        Assert.Contains("X-Added: 1\r\n\r\n", ReadAll(stream));
        Assert.Throws<InvalidOperationException>(() => stream.AddFields("X-Late: 1\r\n"));
    }

    [Theory]
    [InlineData("From: a@example.org\nSubject: hello\n\nbody\n", true)]
    [InlineData("Note: this is just text\n\nmore text\n", false)]
    [InlineData("Hello Bob,\n\nsee you.\n", false)]
    public void LooksLikeMessage_tells_a_whole_message_from_a_plain_text(string text, bool expected)
    {
        Assert.Equal(expected, ReadyMessageHeaders.LooksLikeMessage(Encoding.UTF8.GetBytes(text), isWhole: true));
    }

    [Fact]
    public void A_source_that_cannot_seek_is_read_once_and_cannot_seek_either()
    {
        using var stream = new ReadyMessageStream(new ForwardOnlyStream(Encoding.UTF8.GetBytes(Message)));

        Assert.False(stream.CanSeek);
        Assert.Throws<NotSupportedException>(() => stream.Length);
        Assert.DoesNotContain("hidden@example.com", ReadAll(stream));
    }
}
