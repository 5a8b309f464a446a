using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Herald.Message;
using Herald.Message.Mime;
using Herald.Transport;
using MimeKit;
using Xunit;
using static Herald.Tests.Message.Mime.MimeTestKit;

namespace Herald.Tests.Message.Mime;

/// <summary>The length announced before writing equals the bytes written, however the output is read.</summary>
public sealed class MimeLengthTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-mime-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private EmailMessage Composite()
    {
        var file = Path.Combine(_directory, "report.pdf");
        File.WriteAllBytes(file, AllByteValues());
        var message = new EmailMessage
        {
            From = "Jörg <joerg@example.org>",
            SendTo = "bob@example.com",
            Subject = "Länge ✓",
            Date = "Sat, 14 Mar 2026 15:09:26 +0100",
            ID = "<fixed@example.org>",
            PlainText = "Grüße\nzweite Zeile " + new string('x', 1200),
            HtmlText = "<p>Hi</p>\r\n<img src=\"cid:dot\">",
        };
        message.Attachments.AddInline("dot.gif", AllByteValues().AsMemory(0, 77), "dot");
        message.Attachments.Add(file);
        message.Attachments.Add("seekable.bin", new MemoryStream(AllByteValues()));
        message.Attachments.Add("empty.txt", ReadOnlyMemory<byte>.Empty);
        return message;
    }

    public static TheoryData<int, bool> BufferSizes()
    {
        var data = new TheoryData<int, bool>();
        foreach (var size in new[] { 1, 2, 7, 255, 256, 257, 1000, 16 * 1024, 64 * 1024 })
        {
            data.Add(size, false);
            data.Add(size, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BufferSizes))]
    public async Task Length_equals_the_bytes_read_for_every_buffer_size_sync_and_async(int bufferSize, bool async)
    {
        using var message = Composite();
        var output = await ProduceAsync(message, eightBitMime: false, async, bufferSize);
        Assert.Equal(output.Length, output.Bytes.Length);
        AssertWireClean(output.Bytes);
        // Fixed Date and Message-ID: only the random boundaries differ between two runs.
        var reference = Produce(message, bufferSize: 16 * 1024);
        Assert.Equal(StripBoundaries(reference), StripBoundaries(output));
    }

    [Fact]
    public void A_stream_that_cannot_seek_gives_an_unknown_length_and_is_still_sent_whole()
    {
        var data = AllByteValues();
        using var message = Composite();
        message.Attachments.Add("trickle.bin", new TrickleStream(data, maxRead: 13));
        var output = Produce(message, bufferSize: 300);
        Assert.Equal(-1, output.Length);
        AssertWireClean(output.Bytes);
        var mixed = Assert.IsType<Multipart>(Parse(output.Bytes).Body);
        Assert.Equal(data, Decoded((MimePart)mixed[^1]));
    }

    [Fact]
    public void A_seekable_stream_is_read_from_where_it_stood_when_added_each_time_the_message_is_written()
    {
        var stream = new MemoryStream(Encoding.ASCII.GetBytes("skip-THIS PART"));
        stream.Position = 5;
        using var message = new EmailMessage { From = "a@example.org", PlainText = "x" };
        message.Attachments.Add("part.txt", stream);
        Assert.Equal(9, message.Attachments[0].Length);
        for (int i = 0; i < 2; i++)
        {
            var output = Produce(message);
            Assert.Equal(output.Length, output.Bytes.Length);
            var mixed = Assert.IsType<Multipart>(Parse(output.Bytes).Body);
            Assert.Equal("THIS PART"u8.ToArray(), Decoded((MimePart)mixed[1]));
        }
    }

    [Fact]
    public void A_stream_that_cannot_seek_is_refused_the_second_time()
    {
        using var message = new EmailMessage { From = "a@example.org" };
        message.Attachments.Add("once.bin", new TrickleStream([1, 2, 3]));
        Produce(message);
        var e = Assert.Throws<SmtpException>(() => Produce(message));
        Assert.Equal(SmtpErrorCodes.CannotOpenFile, e.Code);
        Assert.Contains("once.bin", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-10)]
    [InlineData(+1)]
    public void A_file_that_changes_size_after_it_was_measured_stops_the_message(int change)
    {
        var file = Path.Combine(_directory, "moving.bin");
        File.WriteAllBytes(file, new byte[1000]);
        using var message = new EmailMessage { From = "a@example.org" };
        message.Attachments.Add(file);
        var source = MimeMessageSource.Create(message, new MimeWriterOptions());
        File.WriteAllBytes(file, new byte[1000 + change]);
        var buffer = new byte[4096];
        var e = Assert.Throws<SmtpException>(() =>
        {
            while (source.ReadAsync(new SyncIO(), buffer, CancellationToken.None).Result > 0)
            {
            }
        });
        source.Complete();
        Assert.Equal(SmtpErrorCodes.CannotOpenFile, e.Code);
        Assert.Contains("changed while the message was being sent", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_reported_when_added_and_when_the_message_is_laid_out()
    {
        using var message = new EmailMessage { From = "a@example.org" };
        var missing = Path.Combine(_directory, "missing.pdf");
        Assert.Equal(SmtpErrorCodes.CannotOpenFile, Assert.Throws<SmtpException>(() => message.Attachments.Add(missing)).Code);
        var file = Path.Combine(_directory, "gone.pdf");
        File.WriteAllBytes(file, [1]);
        message.Attachments.Add(file);
        File.Delete(file);
        Assert.Equal(SmtpErrorCodes.CannotOpenFile,
            Assert.Throws<SmtpException>(() => MimeMessageSource.Create(message, new MimeWriterOptions())).Code);
    }

    [Fact]
    public void Property_base64_segments_match_the_bcl_line_breaking_encoder_and_the_length_arithmetic()
    {
        Prop.ForAll(Gen.Choose(0, 5000).ToArbitrary(), Gen.Choose(MimeSegmentRoom, 2000).ToArbitrary(), (length, room) =>
        {
            var data = new byte[length];
            new Random(length).NextBytes(data);
            var segment = new Base64Segment(new EmailMessage().Attachments.Add("x", data));
            var produced = ReadAll(segment, room);
            var expected = Encoding.ASCII.GetBytes(Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks));
            return segment.Length == expected.Length && Base64Segment.EncodedLength(length) == expected.Length
                && produced.SequenceEqual(expected);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void Property_text_segments_announce_their_length_and_keep_the_text()
    {
        Prop.ForAll(MessageGenerators.AnyText(), Gen.Choose(MimeSegmentRoom, 1500).ToArbitrary(), ArbMap.Default.ArbFor<bool>(),
            (text, room, end) =>
            {
                var stats = TextStats.Of(text);
                var canonical = Encoding.UTF8.GetBytes(Crlf(text));
                foreach (var transfer in new[] { stats.Transfer(false), stats.Transfer(true), TextTransfer.QuotedPrintable })
                {
                    var segment = new TextSegment(text, stats, transfer, end);
                    var produced = ReadAll(segment, room);
                    if (segment.Length != produced.Length)
                    {
                        return false;
                    }
                    var decoded = transfer == TextTransfer.QuotedPrintable ? Herald.Message.QuotedPrintable.Decode(produced) : produced;
                    bool terminated = end && text.Length > 0 && !stats.EndsWithLineBreak && transfer != TextTransfer.QuotedPrintable;
                    var expected = terminated ? [.. canonical, (byte)'\r', (byte)'\n'] : canonical;
                    if (!decoded.SequenceEqual(expected) || (end && produced.Length > 0 && !EndsWithCrlf(produced)))
                    {
                        return false;
                    }
                    if (transfer != TextTransfer.QuotedPrintable && stats.Octets != canonical.Length)
                    {
                        return false;
                    }
                }
                return true;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithEndSize(400));
    }

    [Fact]
    public void Property_whole_messages_announce_their_length_and_parse_back()
    {
        var texts = MessageGenerators.AnyText().Generator;
        var names = MessageGenerators.HeaderText(allowControls: false).Generator;
        var bodies = texts.SelectMany(plain => texts.Select(html => (plain, html)));
        var settings = Gen.Choose(1, 4000).SelectMany(size => Gen.Elements(false, true).Select(eightBit => (size, eightBit)));
        Prop.ForAll(bodies.ToArbitrary(), names.ToArbitrary(), settings.ToArbitrary(), (texts, name, setting) =>
            {
                var (plain, html) = texts;
                var (bufferSize, eightBit) = setting;
                using var message = new EmailMessage
                {
                    From = "a@example.org",
                    SendTo = "b@example.com",
                    Subject = name,
                    PlainText = plain,
                    HtmlText = html,
                };
                var data = Encoding.UTF8.GetBytes(plain);
                if (name.Trim().Length > 0)
                {
                    message.Attachments.Add(name, data);
                }
                var output = Produce(message, eightBit, bufferSize);
                AssertWireClean(output.Bytes);
                var parsed = Parse(output.Bytes);
                Assert.Equal(output.Length, output.Bytes.Length);
                // Readers drop whitespace around an unstructured value, so that is not compared.
                Assert.Equal(name.Trim(), (parsed.Subject ?? "").Trim());
                if (name.Trim().Length > 0)
                {
                    var part = Assert.IsAssignableFrom<MimePart>(parsed.Attachments.Single());
                    // MimePart.FileName trims the name; the parameter itself must come back exactly.
                    Assert.Equal(name, part.ContentDisposition!.Parameters["filename"]);
                    Assert.Equal(name.Trim(), part.FileName);
                    Assert.Equal(data, Decoded(part));
                }
                if (plain.Length > 0)
                {
                    Assert.Equal(Crlf(plain).TrimEnd('\r', '\n'), Crlf(parsed.TextBody!).TrimEnd('\r', '\n'));
                }
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(150).WithEndSize(300));
    }

    private const int MimeSegmentRoom = MimeSegment.MinRoom;

    private static bool EndsWithCrlf(byte[] bytes) => bytes.Length >= 2 && bytes[^2] == '\r' && bytes[^1] == '\n';

    private static byte[] ReadAll(MimeSegment segment, int room)
    {
        var output = new List<byte>();
        var buffer = new byte[room];
        int n;
        while ((n = segment.ReadAsync(new SyncIO(), buffer, CancellationToken.None).Result) > 0)
        {
            output.AddRange(buffer.AsSpan(0, n));
        }
        segment.Complete();
        return output.ToArray();
    }

    private static string StripBoundaries(Output output)
    {
        var text = Encoding.UTF8.GetString(output.Bytes);
        return System.Text.RegularExpressions.Regex.Replace(text, "=_[A-Za-z0-9]{28}", "=_BOUNDARY");
    }
}

public class TextTransferTests
{
    [Theory]
    [InlineData(998, false, "SevenBit")]
    [InlineData(999, false, "QuotedPrintable")]
    [InlineData(997, true, "EightBit")]
    [InlineData(998, true, "QuotedPrintable")] // 997 ASCII + 'é' (2 octets) = 999 octets
    public void Lines_longer_than_998_octets_go_quoted_printable(int width, bool nonAscii, string transfer)
    {
        var expected = Enum.Parse<TextTransfer>(transfer);
        var line = new string('x', nonAscii ? width - 1 : width) + (nonAscii ? "é" : "");
        var text = "short\n" + line + "\nshort";
        Assert.Equal(expected, TextStats.Of(text).Transfer(eightBitMime: true));
        using var message = new EmailMessage { From = "a@example.org", PlainText = text };
        var output = MimeTestKit.Produce(message, eightBitMime: true);
        MimeTestKit.AssertWireClean(output.Bytes);
        Assert.Equal(output.Length, output.Bytes.Length);
        // Sent as it is, the text gains the final line break the data needs; quoted-printable ends in a soft one.
        string finalBreak = expected == TextTransfer.QuotedPrintable ? "" : "\r\n";
        Assert.Equal(MimeTestKit.Crlf(text) + finalBreak,
            MimeTestKit.TextOf(Assert.IsType<global::MimeKit.TextPart>(MimeTestKit.Parse(output.Bytes).Body)));
    }

    [Theory]
    [InlineData("lone high \uD800 in the middle")]
    [InlineData("lone low \uDC00")]
    [InlineData("ends with a high surrogate \uD83D")]
    [InlineData("pair \uD83D\uDE00 then lone \uDE00\uD83D")]
    [InlineData("nul \0 inside")]
    public void Unpaired_surrogates_and_nul_are_measured_exactly(string text)
    {
        foreach (var eightBit in new[] { false, true })
        {
            using var message = new EmailMessage { From = "a@example.org", PlainText = text, HtmlText = text };
            var output = MimeTestKit.Produce(message, eightBit);
            Assert.Equal(output.Length, output.Bytes.Length);
            MimeTestKit.AssertWireClean(output.Bytes);
        }
    }
}
