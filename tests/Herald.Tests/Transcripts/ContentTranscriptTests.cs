using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>SetMessageContent: a message that writes itself goes straight onto the connection, for DATA and BDAT.</summary>
public class ContentTranscriptTests
{
    /// <summary>Writes the message in three pieces (split inside a line and right after a line end) and records how.</summary>
    private sealed class PiecewiseContent(bool knowLength) : MessageContent
    {
        private static readonly string[] Pieces = ["Subject: written\r\n\r\n.a dot", " line\r\n", "second part\r\n"];

        public List<string> Calls { get; } = [];

        public override long Length => knowLength ? Pieces.Sum(p => p.Length) : -1;

        public override long Measure(CancellationToken cancellationToken)
        {
            Calls.Add("measure");
            return Pieces.Sum(p => p.Length);
        }

        public override void WriteTo(Stream destination, CancellationToken cancellationToken)
        {
            Calls.Add("sync");
            foreach (var piece in Pieces)
            {
                destination.Write(Encoding.ASCII.GetBytes(piece));
            }
        }

        public override async Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
        {
            Calls.Add("async");
            foreach (var piece in Pieces)
            {
                await destination.WriteAsync(Encoding.ASCII.GetBytes(piece), cancellationToken);
            }
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ContentIsDotStuffedForDataAndMeasuredForSize(ReplayMode mode)
    {
        var content = new PiecewiseContent(knowLength: false);
        return Run("content-data.smtp", mode, smtp =>
        {
            smtp.From = "alice@example.org";
            smtp.SendTo = "bob@example.com";
            smtp.MessageText = "ignored while a content is set";
            smtp.SetMessageContent(content);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Equal(["measure", isAsync ? "async" : "sync"], content.Calls);
            Assert.Empty(smtp.MessageHeadersString);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ContentFillsBdatChunksWithoutDotStuffing(ReplayMode mode)
    {
        var content = new PiecewiseContent(knowLength: true);
        return Run("content-bdat.smtp", mode, smtp =>
        {
            smtp.From = "alice@example.org";
            smtp.SendTo = "bob@example.com";
            smtp.Config("ChunkSize=1024");
            smtp.SetMessageContent(content);
        }, async (smtp, isAsync) =>
        {
            await Send(smtp, isAsync);
            Assert.Equal([isAsync ? "async" : "sync"], content.Calls);
        });
    }

    [Fact]
    public async Task AContentLargerThanAChunkIsCutIntoChunksAndArrivesWhole()
    {
        await using var server = new FakeSmtpServer();
        server.Capabilities.Add("CHUNKING");
        using var smtp = Loopback.LoopbackSmtp.Create(server);
        smtp.Config("ChunkSize=1024");
        var text = new StringBuilder("Subject: big\r\n\r\n");
        for (int i = 0; i < 300; i++)
        {
            text.Append("line ").Append(i).Append(i % 3 == 0 ? "\n" : "\r\n");
        }
        smtp.SetMessageContent(new StringContent(text.ToString()));

        await smtp.SendAsync();

        var message = Assert.Single(server.Sessions[0].Messages);
        Assert.True(message.ChunkCount > 2);
        Assert.Equal(text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal),
            message.Text);
    }

    private sealed class StringContent(string text) : MessageContent
    {
        public override void WriteTo(Stream destination, CancellationToken cancellationToken) =>
            destination.Write(Encoding.ASCII.GetBytes(text));

        public override Task WriteToAsync(Stream destination, CancellationToken cancellationToken) =>
            destination.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).AsTask();
    }
}
