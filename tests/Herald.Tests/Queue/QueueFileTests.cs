using System.Text;
using Herald.Engine;
using Herald.Queue;
using Xunit;

namespace Herald.Tests.Queue;

/// <summary>The queue file format on its own: header round trip, the journal and what it adds up to.</summary>
public sealed class QueueFileTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 22, 10, 0, 0, 250, TimeSpan.Zero);

    [Fact]
    public void TheHeaderReadsBackWithTheOffsetOfTheMessage()
    {
        var envelope = new Envelope("",
            [new("a@example.com", RecipientKind.To, "NOTIFY=SUCCESS,FAILURE"), new("b@example.com", RecipientKind.Bcc, "")])
        {
            ExtraMailParameters = ["RET=HDRS", "ENVID=x1"],
        };
        var bytes = QueueFile.FormatHeader(new QueueHeader(envelope) { Created = T, Body = "8BITMIME" }, null, out int sizeOffset);
        QueueFile.FormatSize(12).CopyTo(bytes, sizeOffset);
        var file = new MemoryStream([.. bytes, .. "Subject: x\r\n"u8]);

        var header = QueueFile.ReadHeader(file);

        Assert.Equal(2, header.Version);
        Assert.Equal(T, header.Created);
        Assert.Equal("", header.Envelope.ReversePath);
        Assert.Equal(envelope.Recipients, header.Envelope.Recipients);
        Assert.Equal(["RET=HDRS", "ENVID=x1"], header.Envelope.ExtraMailParameters);
        Assert.Equal("8BITMIME", header.Body);
        Assert.Equal(12, header.MessageSize);
        Assert.Equal(bytes.Length, header.MessageOffset);
        Assert.Equal(bytes.Length, file.Position);
    }

    [Theory]
    [InlineData("From: x\r\n\r\nbody\r\n", "it is not a Herald queue file")]
    [InlineData("HERALD-QUEUE 3\r\nFROM <a@b>\r\nTO <c@d>\r\nSIZE 0\r\n\r\n", "newer version of Herald (queue format 3")]
    [InlineData("HERALD-QUEUE 2\r\nFROM <a@b>\r\nTO <c@d>\r\n\r\n", "no SIZE line")]
    [InlineData("HERALD-QUEUE 2\r\nFROM <a@b>\r\nSIZE 0\r\n\r\n", "lacks a sender or recipients")]
    [InlineData("HERALD-QUEUE 2\r\nFROM <a@b>\r\nTO <c@d>\r\nPRIORITY 1\r\nSIZE 0\r\n\r\n", "unknown header line \"PRIORITY 1\"")]
    [InlineData("HERALD-QUEUE 2\r\nFROM <a@b>\r\nTO <c@d>\r\nSIZE 0\r\n", "does not end with an empty line")]
    public void ADamagedHeaderSaysWhatIsWrong(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => QueueFile.ReadHeader(new MemoryStream(Encoding.UTF8.GetBytes(text))));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JournalLinesRoundTripAndOthersAreSkipped()
    {
        var records = new[]
        {
            new QueueRecord(T, QueueRecordKind.Attempt, "1 host=a pid=2"),
            new QueueRecord(T, QueueRecordKind.DataEnd, ""),
            new QueueRecord(T, QueueRecordKind.Delivered, "1,2 250-2.0.0 first\r\n250 2.0.0 second"),
        };
        var bytes = records.SelectMany(QueueFile.FormatRecord).ToList();
        bytes.InsertRange(0, "\r\nnot a journal line\r\n@yesterday ATTEMPT 9\r\n"u8.ToArray());
        bytes.AddRange("@2026-11-22T10:00:01.000Z RETRY 2026-11-22T10:"u8.ToArray()); // cut short

        var read = QueueFile.ReadJournal(bytes.ToArray(), out int complete);

        Assert.Equal(records.Select(r => r with { Text = QueueFile.OneLine(r.Text) }), read);
        Assert.Equal("250-2.0.0 first / 250 2.0.0 second", read[2].Text[4..]);
        Assert.Equal(bytes.Count - "@2026-11-22T10:00:01.000Z RETRY 2026-11-22T10:".Length, complete);
    }

    [Fact]
    public void TheJournalAddsUpToEachRecipientsProgressAndTheSchedule()
    {
        var envelope = new Envelope("a@b",
            [new("1@x", RecipientKind.To, ""), new("2@x", RecipientKind.Bcc, ""), new("3@x", RecipientKind.Bcc, "")]);
        var header = new QueueHeader(envelope) { Created = T };
        var next = T.AddMinutes(1);
        var records = new List<QueueRecord>
        {
            new(T, QueueRecordKind.Attempt, "1 x"),
            new(T, QueueRecordKind.DataEnd, ""),
            new(T, QueueRecordKind.Delivered, "1 250 ok"),
            new(T, QueueRecordKind.Deferred, "2 450 busy"),
            new(T, QueueRecordKind.Rejected, "3 550 unknown"),
            new(T, QueueRecordKind.Retry, $"{QueueFile.FormatTime(next)} 450 busy"),
        };

        var state = QueueState.From(header, records, T);
        Assert.Equal([RecipientState.Delivered, RecipientState.Pending, RecipientState.Rejected], state.Recipients);
        Assert.Equal([1], state.Pending);
        Assert.Equal(next, state.NotBefore);
        Assert.False(state.AttemptOpen);
        Assert.False(state.Done);

        records.Add(new(T.AddMinutes(2), QueueRecordKind.Attempt, "2 x"));
        records.Add(new(T.AddMinutes(2), QueueRecordKind.DataEnd, ""));
        state = QueueState.From(header, records, T);
        Assert.True(state.AttemptOpen);
        Assert.True(state.DataEnded);
        Assert.Null(state.NotBefore);

        records.Add(new(T.AddMinutes(2), QueueRecordKind.Delivered, "2 250 ok"));
        state = QueueState.From(header, records, T);
        Assert.False(state.DataEnded);
        Assert.True(state.Done); // 3 was refused for good: nothing is pending

        records.Add(new(T.AddMinutes(3), QueueRecordKind.Reset, "by hand"));
        state = QueueState.From(header, records, T);
        Assert.Equal([2], state.Pending); // a reset gives the refused recipient another chance, not the delivered ones
        Assert.Equal(T.AddMinutes(3), state.AgeBase);
    }
}
