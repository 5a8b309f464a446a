using System.Text;
using Herald.Engine;
using Herald.Message;
using Herald.Transport;
using Xunit;

namespace Herald.Tests.Message;

/// <summary>
/// The header block of a ready-made message read from a stream: where it ends, its fields (folded, CRLF or LF), the
/// envelope it implies, the Bcc fields left out, and the body streaming on untouched.
/// </summary>
public class RawMessageHeadTests
{
    private static async Task<RawMessageHead> Read(string text, bool isAsync, int chunk = int.MaxValue,
        int max = RawMessageHead.DefaultMaxHeadBytes)
    {
        var stream = new TrickleStream(Encoding.UTF8.GetBytes(text), chunk);
        if (isAsync)
        {
            return await RawMessageHead.ReadAsync(new AsyncIO(), stream, max, CancellationToken.None);
        }
        return Completed(RawMessageHead.ReadAsync(new SyncIO(), stream, max, CancellationToken.None));
    }

    [Theory]
    [InlineData(false, int.MaxValue)]
    [InlineData(true, int.MaxValue)]
    [InlineData(false, 1)]
    [InlineData(true, 7)]
    public async Task FieldsEndAtTheEmptyLineAndTheBodyStaysUnread(bool isAsync, int chunk)
    {
        const string message = "From: a@example.org\r\nTo: b@example.com,\r\n\tc@example.com\r\nSubject: hi\r\n\r\nbody: not a field\r\n";
        var head = await Read(message, isAsync, chunk);
        Assert.Equal(["From", "To", "Subject"], head.Fields.Select(f => f.Name));
        Assert.Equal("b@example.com,\tc@example.com", head.Fields[1].Value);
        Assert.EndsWith("Subject: hi\r\n\r\n", Encoding.UTF8.GetString(head.Head.Span));
        Assert.True(Encoding.UTF8.GetString(head.Lookahead.Span).Length <= "body: not a field\r\n".Length);
        Assert.StartsWith(Encoding.UTF8.GetString(head.Lookahead.Span), "body: not a field\r\n");
    }

    [Fact]
    public async Task BareLfLineEndsAndAMissingEmptyLineAreUnderstood()
    {
        var lf = await Read("From: a@example.org\nTo: b@example.com\n\nbody\n", isAsync: false);
        Assert.Equal(2, lf.Fields.Count);
        Assert.Equal("body\n", Encoding.UTF8.GetString(lf.Lookahead.Span));

        var noBlank = await Read("From: a@example.org\r\nThis line is no field.\r\nmore\r\n", isAsync: true);
        Assert.Single(noBlank.Fields);
        Assert.Equal("From: a@example.org\r\n", Encoding.UTF8.GetString(noBlank.Head.Span));
        Assert.StartsWith("This line", Encoding.UTF8.GetString(noBlank.Lookahead.Span));

        var headersOnly = await Read("From: a@example.org\r\nTo: b@example.com", isAsync: false);
        Assert.Equal(2, headersOnly.Fields.Count);
        Assert.Equal(0, headersOnly.Lookahead.Length);
    }

    [Fact]
    public async Task TheEnvelopeComesFromSenderOrFromAndEveryRecipientField()
    {
        var head = await Read(
            "From: Ann <ann@example.org>\r\nSender: boss@example.org\r\nTo: x@example.com, Group: y@example.com;\r\n" +
            "Cc: z@example.com\r\nBcc: w@example.com\r\nTo: v@example.com\r\n\r\n", isAsync: false);
        var (reversePath, recipients) = head.Envelope(needSender: true, needRecipients: true);
        Assert.Equal("boss@example.org", reversePath);
        Assert.Equal(["x@example.com", "y@example.com", "v@example.com", "z@example.com", "w@example.com"],
            recipients.Select(r => r.Address));
        Assert.Equal([RecipientKind.To, RecipientKind.To, RecipientKind.To, RecipientKind.Cc, RecipientKind.Bcc],
            recipients.Select(r => r.Kind));

        var fromOnly = await Read("From: Ann <ann@example.org>, Bob <bob@example.org>\r\nTo: x@example.com\r\n\r\n", isAsync: true);
        Assert.Equal("ann@example.org", fromOnly.Envelope(true, false).ReversePath);
    }

    [Fact]
    public async Task AMessageWithoutSenderOrRecipientsNamesWhatIsMissing()
    {
        var head = await Read("Subject: nothing else\r\n\r\nbody\r\n", isAsync: false);
        Assert.Equal(SmtpErrorCodes.NoSender, Assert.Throws<SmtpException>(() => head.Envelope(true, false)).Code);
        Assert.Equal(SmtpErrorCodes.NoRecipient, Assert.Throws<SmtpException>(() => head.Envelope(false, true)).Code);
        // Only what is asked for is looked at.
        Assert.Empty(head.Envelope(false, false).Recipients);
        var bad = await Read("From: <unclosed@example.org\r\n\r\n", isAsync: false);
        var e = Assert.Throws<SmtpException>(() => bad.Envelope(true, false));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("From field", e.Message);
    }

    [Fact]
    public async Task BccFieldsAreLeftOutWithTheirContinuationLines()
    {
        var head = await Read(
            "From: a@example.org\r\nBcc: x@example.com,\r\n y@example.com\r\nTo: b@example.com\r\nresent-bcc: r@x\r\n\r\n", false);
        Assert.Equal("From: a@example.org\r\nTo: b@example.com\r\n\r\n", Encoding.ASCII.GetString(head.HeadWithout("Bcc", "Resent-Bcc")));
    }

    [Fact]
    public async Task AHeaderBlockLongerThanTheLimitIsRefused()
    {
        string endless = "From: a@example.org\r\n" + string.Concat(Enumerable.Repeat("X-Filler: " + new string('f', 100) + "\r\n", 200));
        var e = await Assert.ThrowsAsync<SmtpException>(() => Read(endless, isAsync: true, max: 4096));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("longer than 4096 bytes", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task APreparedMessageStreamsTheBodyAfterTheFilteredHead(bool isAsync)
    {
        string body = string.Concat(Enumerable.Repeat("line of the body\r\n", 20_000));
        byte[] message = Encoding.ASCII.GetBytes("From: a@example.org\r\nBcc: hidden@example.org\r\nTo: b@example.com\r\n\r\n" + body);
        using var stream = new MemoryStream(message);
        var options = new RawMessageOptions();
        using var prepared = isAsync
            ? await RawMessage.PrepareAsync(new AsyncIO(), stream, options, spool: false, CancellationToken.None)
            : Completed(RawMessage.PrepareAsync(new SyncIO(), stream, options, spool: false, CancellationToken.None));
        Assert.Equal(["b@example.com", "hidden@example.org"], prepared.Envelope.Recipients.Select(r => r.Address));
        Assert.Equal("a@example.org", prepared.Envelope.ReversePath);
        Assert.True(stream.Position < message.Length); // the body has not been read yet

        long length = await prepared.Source.MeasureAsync(new AsyncIO(), CancellationToken.None);
        var sent = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await prepared.Source.ReadAsync(new AsyncIO(), buffer, CancellationToken.None)) > 0)
        {
            sent.Write(buffer, 0, n);
        }
        string expected = "From: a@example.org\r\nTo: b@example.com\r\n\r\n" + body;
        Assert.Equal(expected, Encoding.ASCII.GetString(sent.ToArray()));
        Assert.Equal(expected.Length, length);
        Assert.True(prepared.Source.HasBody);
    }

    /// <summary>The result of a call the sync adapter must have finished already.</summary>
    private static T Completed<T>(ValueTask<T> task)
    {
        Assert.True(task.IsCompleted, "the sync path did asynchronous work");
        return task.Result;
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a network does.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
