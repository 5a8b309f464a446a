using System.Text;
using Herald.Engine;
using Herald.Message;
using Herald.Transport;
using Xunit;

namespace Herald.Tests.Message;

/// <summary>
/// The header scan of messages written elsewhere: where the header block ends and which fields it holds, the
/// envelope they imply (<c>sendmail -t</c>; with the kind of each recipient, and what a caller gives taking precedence),
/// and the stream that sends such a message with its Bcc fields removed and its body untouched, as SmtpClient's
/// SendBytes/SendFile/SendStream and the command line's --message and sendmail use it.
/// </summary>
public class HeaderFilterStreamTests
{
    private const string Message =
        "Return-Path: <old@example.org>\n" +
        "From: \"Alice\" <alice@example.org>\n" +
        "To: bob@example.com,\n" +
        "  \"Carol, C.\" <carol@example.com>\n" +
        "Bcc: secret@example.com,\n" +
        "\tsecret2@example.com\n" +
        "Cc: undisclosed-recipients:;, BOB@example.com\n" +
        "Subject: Hello\n" +
        "BCC: third@example.com\n" +
        "\n" +
        "Bcc: this is body text\n" +
        ".\n" +
        "the end\n";

    private const string Filtered =
        "Return-Path: <old@example.org>\n" +
        "From: \"Alice\" <alice@example.org>\n" +
        "To: bob@example.com,\n" +
        "  \"Carol, C.\" <carol@example.com>\n" +
        "Cc: undisclosed-recipients:;, BOB@example.com\n" +
        "Subject: Hello\n" +
        "\n" +
        "Bcc: this is body text\n" +
        ".\n" +
        "the end\n";

    private static HeaderBlockScanner Scan(string text, bool final = true)
    {
        var scanner = new HeaderBlockScanner();
        scanner.Scan(Encoding.UTF8.GetBytes(text), final);
        return scanner;
    }

    [Fact]
    public void The_scanner_finds_each_field_with_its_continuation_lines_and_the_separator()
    {
        var scanner = Scan(Message);

        Assert.Equal(HeaderBlockEnd.Separator, scanner.Ending);
        Assert.Equal(["Return-Path", "From", "To", "Bcc", "Cc", "Subject", "BCC"], scanner.Fields.Select(f => f.Name));
        int separator = Message.IndexOf("\n\n", StringComparison.Ordinal) + 1;
        Assert.Equal(separator, scanner.SeparatorStart);
        Assert.Equal(separator + 1, scanner.End);
        var to = scanner.Fields[2];
        Assert.Equal("To: bob@example.com,\n  \"Carol, C.\" <carol@example.com>\n", Message[to.Start..to.End]);
    }

    [Theory]
    [InlineData("Subject: x\r\nTo: a@b\r\n\r\nbody", "Separator", 2, 23)]
    [InlineData("Subject: x\nnot a header line\nmore", "BodyLine", 1, 11)]
    [InlineData("Subject: x\nTo: a@b", "EndOfInput", 2, 18)]
    [InlineData("just a body\n", "BodyLine", 0, 0)]
    [InlineData(" indented first line: x\n\nbody", "BodyLine", 0, 0)]
    [InlineData("", "EndOfInput", 0, 0)]
    [InlineData("\nbody", "Separator", 0, 1)]
    [InlineData("Subject : obsolete space before the colon\n\n", "Separator", 1, 43)]
    [InlineData("X-Empty:\n\n", "Separator", 1, 10)]
    public void The_scanner_tells_how_the_header_block_ends(string text, string ending, int fields, int end)
    {
        var scanner = Scan(text);

        Assert.Equal(Enum.Parse<HeaderBlockEnd>(ending), scanner.Ending);
        Assert.Equal(fields, scanner.Fields.Count);
        Assert.Equal(end, scanner.End);
    }

    [Fact]
    public void A_leading_mbox_line_is_skipped_but_a_From_field_is_not()
    {
        var mbox = Scan("From alice@example.org Mon Jan  1 00:00:00 2024\nFrom: alice@example.org\n\nbody");
        Assert.Equal(48, mbox.SkippedPrefix);
        Assert.Equal(["From"], mbox.Fields.Select(f => f.Name));

        Assert.Equal(0, Scan("From: alice@example.org\n\n").SkippedPrefix);
        Assert.Equal(0, Scan("From : alice@example.org\n\n").SkippedPrefix);
        Assert.Equal(["From"], Scan("From : alice@example.org\n\n").Fields.Select(f => f.Name));
    }

    [Fact]
    public void The_scanner_gives_the_same_result_however_the_data_arrives()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Message);
        var whole = Scan(Message);
        for (int step = 1; step <= 7; step++)
        {
            var scanner = new HeaderBlockScanner();
            int fed = 0;
            bool done = false;
            while (!done)
            {
                fed = Math.Min(bytes.Length, fed + step);
                done = scanner.Scan(bytes.AsSpan(0, fed), final: fed == bytes.Length);
            }
            Assert.Equal(whole.Fields, scanner.Fields);
            Assert.Equal(whole.End, scanner.End);
            Assert.True(fed < bytes.Length, "the scan ends at the header block, without reading the body");
        }
    }

    [Fact]
    public void Incomplete_lines_wait_for_more_data()
    {
        var scanner = new HeaderBlockScanner();
        Assert.False(scanner.Scan("Subject: x\nTo: a"u8, final: false));
        Assert.False(scanner.IsComplete);
        Assert.True(scanner.Scan("Subject: x\nTo: a@b\n\n"u8, final: false));
        Assert.Equal(["Subject", "To"], scanner.Fields.Select(f => f.Name));
    }

    private static MessageHeaders Headers(string text)
    {
        using var stream = new HeaderFilterStream(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        return stream.ReadHeaders();
    }

    [Fact]
    public void The_envelope_comes_from_sender_or_from_and_to_cc_bcc_each_address_once()
    {
        var envelope = Headers(Message).GetEnvelope();

        Assert.Equal("alice@example.org", envelope.Sender);
        Assert.Equal(["bob@example.com", "carol@example.com", "secret@example.com", "secret2@example.com", "third@example.com"],
            envelope.Addresses);
        Assert.False(envelope.Resent);

        var withSender = Headers("From: a@example.org, b@example.org\nSender: list@example.org\nTo: x@example.com\n\n");
        Assert.Equal("list@example.org", withSender.GetEnvelope().Sender);
        var encoded = Headers("From: =?utf-8?q?J=C3=B6rg?= <j@example.org>\nTo: Team: x@example.com, y@example.com;\n\n");
        Assert.Equal("j@example.org", encoded.GetEnvelope().Sender);
        Assert.Equal(["x@example.com", "y@example.com"], encoded.GetEnvelope().Addresses);
        var none = Headers("Subject: nobody\n\nbody").GetEnvelope();
        Assert.Null(none.Sender);
        Assert.Empty(none.Recipients);
    }

    [Fact]
    public void The_newest_resent_block_decides_for_a_resent_message()
    {
        var headers = Headers(
            "Resent-From: forwarder@example.org\n" +
            "Resent-To: new@example.net\n" +
            "Resent-Bcc: hidden@example.net\n" +
            "Resent-Date: Mon, 2 Mar 2026 10:00:00 +0000\n" +
            "Received: from somewhere\n" +
            "Resent-From: older@example.org\n" +
            "Resent-To: older-recipient@example.net\n" +
            "From: alice@example.org\n" +
            "To: bob@example.com\n\n");

        var envelope = headers.GetEnvelope();

        Assert.True(envelope.Resent);
        Assert.Equal("forwarder@example.org", envelope.Sender);
        Assert.Equal(["new@example.net", "hidden@example.net"], envelope.Addresses);
    }

    [Fact]
    public void Each_recipient_keeps_the_kind_of_its_field_in_the_order_to_cc_bcc()
    {
        var headers = Headers(
            "From: Ann <ann@example.org>\r\nSender: boss@example.org\r\nTo: x@example.com, Group: y@example.com;\r\n" +
            "Cc: z@example.com\r\nBcc: w@example.com, X@EXAMPLE.COM\r\nTo: v@example.com\r\n\r\n");

        var envelope = headers.ToEnvelope(null, []);

        Assert.Equal("boss@example.org", envelope.ReversePath);
        Assert.Equal(["x@example.com", "y@example.com", "v@example.com", "z@example.com", "w@example.com"],
            envelope.Recipients.Select(r => r.Address));
        Assert.Equal([RecipientKind.To, RecipientKind.To, RecipientKind.To, RecipientKind.Cc, RecipientKind.Bcc],
            envelope.Recipients.Select(r => r.Kind));
        Assert.Equal(envelope.Recipients, headers.GetEnvelope().Recipients);
    }

    [Fact]
    public void What_the_caller_gives_wins_and_only_the_fields_still_needed_are_read()
    {
        var headers = Headers("From: <unclosed@example.org\nTo: list@example.com\n\n");
        var given = new EnvelopeRecipient("chosen@example.net", RecipientKind.Bcc, "");

        var both = headers.ToEnvelope("", [given]);
        Assert.Equal("", both.ReversePath); // the null reverse path, not "take it from the header"
        Assert.Equal([given], both.Recipients);
        Assert.Equal(["list@example.com"], headers.ToEnvelope("me@example.org", []).Recipients.Select(r => r.Address));

        var e = Assert.Throws<SmtpException>(() => headers.ToEnvelope(null, [given]));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("From header of the message", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Subject: nothing else\n\nbody\n", true, SmtpErrorCodes.NoSender, "no From (or Sender) field")]
    [InlineData("Subject: nothing else\n\nbody\n", false, SmtpErrorCodes.NoRecipient, "no To, Cc or Bcc field")]
    [InlineData("Resent-To: a@example.net\nFrom: b@example.org\n\n", true, SmtpErrorCodes.NoSender, "no Resent-From")]
    [InlineData("Resent-From: a@example.net\nTo: b@example.org\n\n", false, SmtpErrorCodes.NoRecipient, "no Resent-To")]
    public void A_header_without_sender_or_recipients_names_what_is_missing(string text, bool needSender, int code, string says)
    {
        var headers = Headers(text);
        var e = Assert.Throws<SmtpException>(() => needSender
            ? headers.ToEnvelope(null, [new EnvelopeRecipient("x@example.com", RecipientKind.To, "")])
            : headers.ToEnvelope("me@example.org", []));
        Assert.Equal(code, e.Code);
        Assert.Contains(says, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resent_message_goes_to_the_newest_block_with_the_kinds_of_its_fields()
    {
        var envelope = Headers(
            "Resent-Date: Mon, 2 Mar 2026 10:00:00 +0000\n" +
            "Resent-From: forwarder@example.org\n" +
            "Resent-Sender: desk@example.org\n" +
            "Resent-Cc: copy@example.net\n" +
            "Resent-Bcc: hidden@example.net\n" +
            "Received: from somewhere\n" +
            "Resent-From: older@example.org\n" +
            "Resent-To: older-recipient@example.net\n" +
            "From: alice@example.org\n" +
            "To: bob@example.com\n\n").ToEnvelope(null, []);

        Assert.Equal("desk@example.org", envelope.ReversePath);
        Assert.Equal([("copy@example.net", RecipientKind.Cc), ("hidden@example.net", RecipientKind.Bcc)],
            envelope.Recipients.Select(r => (r.Address, r.Kind)));
    }

    [Fact]
    public void A_malformed_address_field_is_refused_naming_the_field()
    {
        var e = Assert.Throws<SmtpException>(() => Headers("From: a@example.org\nCc: <unclosed@example.com\n\n").GetEnvelope());
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("Cc header of the message", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_that_is_not_utf8_is_read_as_latin1_so_its_address_still_parses()
    {
        byte[] bytes = [.. "From: J"u8, 0xF6, .. "rg <j@example.org>\nTo: x@example.com\n\n"u8];
        using var stream = new HeaderFilterStream(new MemoryStream(bytes));
        var headers = stream.ReadHeaders();

        Assert.Equal("J\u00F6rg <j@example.org>", headers.Get("From"));
        Assert.Equal("j@example.org", headers.GetEnvelope().Sender);
    }

    [Fact]
    public void Values_are_unfolded_utf8_and_trimmed()
    {
        var headers = Headers("Subject:  Grüße\r\n  aus Köln \r\nX-A: 1\r\nx-a: 2\r\n\r\n");
        Assert.Equal("Grüße  aus Köln", headers.Get("subject"));
        Assert.Equal(["1", "2"], headers.GetAll("X-A"));
        Assert.True(headers.Contains("SUBJECT"));
        Assert.False(headers.Contains("Date"));
    }

    private static string ReadAll(Stream stream, int bufferSize)
    {
        var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            output.Write(buffer, 0, n);
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static async Task<string> ReadAllAsync(Stream stream, int bufferSize)
    {
        var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            output.Write(buffer, 0, n);
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, true)]
    [InlineData(7, false)]
    [InlineData(65536, true)]
    public async Task Bcc_fields_and_their_continuation_lines_are_removed_and_the_rest_passes_unchanged(int chunk, bool async)
    {
        var source = new TrickleStream(Encoding.UTF8.GetBytes(Message), chunk);
        using var stream = new HeaderFilterStream(source);

        string sent = async ? await ReadAllAsync(stream, 5) : ReadAll(stream, 5);

        Assert.Equal(Filtered, sent);
    }

    [Fact]
    public void Bcc_fields_stay_when_asked_and_a_leading_mbox_line_goes_either_way()
    {
        string text = "From alice Mon Jan  1 00:00:00 2024\r\nBcc: x@example.com\r\nTo: y@example.com\r\n\r\nbody\r\n";
        using var keep = new HeaderFilterStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), removeBcc: false);
        Assert.Equal("Bcc: x@example.com\r\nTo: y@example.com\r\n\r\nbody\r\n", ReadAll(keep, 100));
    }

    [Theory]
    [InlineData("To: a@b\n\nbody\n", "To: a@b\nDate: now\r\n\nbody\n")]
    [InlineData("To: a@b", "To: a@b\r\nDate: now\r\n")]
    [InlineData("To: a@b\nBcc: c@d", "To: a@b\nDate: now\r\n")]
    [InlineData("To: a@b\nbody without separator\n", "To: a@b\nDate: now\r\n\r\nbody without separator\n")]
    [InlineData("body only\n", "Date: now\r\n\r\nbody only\n")]
    [InlineData("", "Date: now\r\n")]
    public void Added_fields_go_at_the_end_of_the_header_block(string text, string expected)
    {
        using var stream = new HeaderFilterStream(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        stream.ReadHeaders();
        stream.AddFields("Date: now\r\n");

        Assert.Equal(expected, ReadAll(stream, 64));
        Assert.Throws<InvalidOperationException>(() => stream.AddFields("X-Late: 1\r\n"));
    }

    [Fact]
    public void A_body_that_starts_without_a_separator_gets_one_and_a_message_without_headers_is_unchanged()
    {
        using var noSeparator = new HeaderFilterStream(new MemoryStream("To: a@b\nBcc: c@d\nbody line\n"u8.ToArray()));
        Assert.Equal("To: a@b\n\r\nbody line\n", ReadAll(noSeparator, 64));

        using var bodyOnly = new HeaderFilterStream(new MemoryStream("body only\nBcc: not a header here\n"u8.ToArray()));
        Assert.Equal("body only\nBcc: not a header here\n", ReadAll(bodyOnly, 64));
    }

    [Fact]
    public async Task Over_a_seekable_source_the_length_is_exact_and_the_message_can_be_read_again()
    {
        var bytes = Encoding.UTF8.GetBytes("ignored prefix" + Message + new string('x', 100_000));
        var source = new MemoryStream(bytes) { Position = "ignored prefix".Length };
        using var stream = new HeaderFilterStream(source);

        Assert.True(stream.CanSeek);
        long length = stream.Length;
        string first = ReadAll(stream, 4096);
        Assert.Equal(length, Encoding.UTF8.GetByteCount(first));
        Assert.Equal(length, stream.Position);
        Assert.StartsWith(Filtered, first, StringComparison.Ordinal);

        stream.Position = 0;
        Assert.Equal(first, await ReadAllAsync(stream, 1000));
        stream.Position = 10;
        Assert.Equal(first[10..], ReadAll(stream, 77));
        stream.Seek(Filtered.Length + 5, SeekOrigin.Begin);
        Assert.Equal(first[(Filtered.Length + 5)..], ReadAll(stream, 4096));
    }

    [Fact]
    public void Over_a_source_that_cannot_seek_the_position_counts_what_was_read()
    {
        using var stream = new HeaderFilterStream(new TrickleStream(Encoding.UTF8.GetBytes(Message), 10));

        Assert.False(stream.CanSeek);
        Assert.Throws<NotSupportedException>(() => stream.Length);
        string sent = ReadAll(stream, 6);
        Assert.Equal(Encoding.UTF8.GetByteCount(sent), stream.Position);
        Assert.Throws<NotSupportedException>(() => stream.Position = 0);
    }

    [Fact]
    public void A_header_block_without_end_is_refused_at_the_limit()
    {
        var line = "X-Filler: " + new string('y', 1000) + "\n";
        var text = string.Concat(Enumerable.Repeat(line, HeaderFilterStream.MaxHeaderBytes / line.Length + 2));
        using var stream = new HeaderFilterStream(new MemoryStream(Encoding.ASCII.GetBytes(text)));

        var e = Assert.Throws<SmtpException>(() => stream.ReadHeaders());

        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("header block is longer than 1 MiB", e.Message, StringComparison.Ordinal);

        // A smaller limit, given when the stream is made, holds the same way.
        string endless = "From: a@example.org\r\n" + string.Concat(Enumerable.Repeat("X-Filler: " + new string('f', 100) + "\r\n", 200));
        using var small = new HeaderFilterStream(new TrickleStream(Encoding.ASCII.GetBytes(endless), 300), maxHeaderBytes: 4096);
        e = Assert.Throws<SmtpException>(() => small.ReadHeaders());
        Assert.Contains("longer than 4096 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 7)]
    [InlineData(true, 65536)]
    public async Task Reading_the_header_stops_at_its_end_and_values_are_unfolded(bool isAsync, int chunk)
    {
        const string message = "From: a@example.org\r\nTo: b@example.com,\r\n\tc@example.com\r\nSubject: hi\r\n\r\n" +
            "body: not a field\r\n";
        var body = string.Concat(Enumerable.Repeat("more of the body\r\n", 4000));
        var source = new TrickleStream(Encoding.ASCII.GetBytes(message + body), chunk);
        using var stream = new HeaderFilterStream(source);

        var headers = isAsync ? await stream.ReadHeadersAsync(CancellationToken.None) : stream.ReadHeaders();

        Assert.Equal(["From", "To", "Subject"], headers.Fields.Select(f => f.Name));
        Assert.Equal("b@example.com,\tc@example.com", headers.Get("To"));
        Assert.True(source.Consumed < message.Length + body.Length / 2, "the body is left for the send to stream");
        Assert.True(stream.HasBody);
    }

    [Theory]
    [InlineData("From: a@example.org\n\nbody", true, true)]
    [InlineData("From: a@example.org\n\n", true, false)]
    [InlineData("From: a@example.org\n\nbody", false, true)]
    [InlineData("From: a@example.org", false, false)] // the source ended inside the header block
    [InlineData("From: a@example.org\n\n", false, true)] // the rest of a stream that cannot seek is not known yet
    public void Has_body_tells_whether_anything_follows_the_header(string text, bool seekable, bool expected)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        using var stream = new HeaderFilterStream(seekable ? new MemoryStream(bytes) : new TrickleStream(bytes, 4096));
        Assert.Throws<InvalidOperationException>(() => stream.HasBody);
        stream.ReadHeaders();
        Assert.Equal(expected, stream.HasBody);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task A_prepared_message_streams_the_body_after_the_filtered_header(bool isAsync, bool seekable)
    {
        string body = string.Concat(Enumerable.Repeat("line of the body\r\n", 20_000));
        byte[] message = Encoding.ASCII.GetBytes(
            "From a@example.org Mon Jan  1 00:00:00 2024\r\nResent-From: fwd@example.org\r\nresent-bcc: r@example.net\r\n" +
            "From: a@example.org\r\nBcc: hidden@example.org\r\nTo: b@example.com\r\n\r\n" + body);
        string directory = Directory.CreateTempSubdirectory("herald-spool-").FullName;
        try
        {
            Stream stream = seekable ? new MemoryStream(message) : new TrickleStream(message, 5000);
            var options = new ReadyMessageOptions { SpoolDirectory = directory };
            using (var prepared = isAsync
                       ? await ReadyMessage.PrepareAsync(new AsyncIO(), stream, options, spool: true, CancellationToken.None)
                       : Completed(ReadyMessage.PrepareAsync(new SyncIO(), stream, options, spool: true, CancellationToken.None)))
            {
                // The resent block decides the envelope; its blind copy and the original one are both left out.
                Assert.Equal(["r@example.net"], prepared.Envelope.Recipients.Select(r => r.Address));
                Assert.Equal("fwd@example.org", prepared.Envelope.ReversePath);
                // A stream that can seek is read where it is; one that cannot is copied to a file only its owner can read.
                var spooled = Directory.GetFiles(directory);
                Assert.Equal(seekable ? 0 : 1, spooled.Length);
                if (seekable)
                {
                    Assert.True(stream.Position < message.Length / 2, "the body of a stream that can seek is read as it is sent");
                }
                if (!seekable && !OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(spooled[0]));
                }

                long length = await prepared.Source.MeasureAsync(new AsyncIO(), CancellationToken.None);
                var sent = new MemoryStream();
                var buffer = new byte[4096];
                int n;
                while ((n = await prepared.Source.ReadAsync(new AsyncIO(), buffer, CancellationToken.None)) > 0)
                {
                    sent.Write(buffer, 0, n);
                }
                string expected = "Resent-From: fwd@example.org\r\nFrom: a@example.org\r\nTo: b@example.com\r\n\r\n" + body;
                Assert.Equal(expected, Encoding.ASCII.GetString(sent.ToArray()));
                Assert.Equal(expected.Length, length);
                Assert.True(prepared.Source.HasBody);
                Assert.True(stream.CanRead); // the caller's stream is left open
            }
            Assert.Empty(Directory.GetFiles(directory)); // the copy is gone with the prepared message
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The result of a call the sync adapter must have finished already.</summary>
    private static T Completed<T>(ValueTask<T> task)
    {
        Assert.True(task.IsCompleted, "the sync path did asynchronous work");
        return task.Result;
    }

    [Theory]
    [InlineData("From: a@example.org\nTo: b@example.com\nSubject: hi\n\nHello", true, true)]
    [InlineData("Received: from x\n  by y\nX-Other: 1\n\nbody", true, true)]
    [InlineData("Subject: only headers", true, true)]
    [InlineData("Note: meeting at 3\n\nsee you", true, false)]
    [InlineData("Hello Bob,\nFrom: me\n\n", true, false)]
    [InlineData("Subject: hi\nthe body starts without an empty line", true, false)]
    [InlineData("From: a@example.org\nTo: b@exa", false, false)]
    [InlineData("", true, false)]
    public void A_text_that_starts_with_message_headers_is_recognised(string text, bool whole, bool expected) =>
        Assert.Equal(expected, MessageHeaders.LooksLikeMessage(Encoding.UTF8.GetBytes(text), whole));

    /// <summary>A stream that cannot seek and returns at most <paramref name="chunk"/> bytes a read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        /// <summary>How many bytes were handed out.</summary>
        public int Consumed => _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            int n = Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
            data.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
