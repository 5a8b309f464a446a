using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// CHUNKING (RFC 3030): the message goes in BDAT chunks, pipelined when the server offers PIPELINING, in the same
/// write as its envelope when it fits one chunk and no rejected recipient could stop the send; a refused chunk resets
/// the transaction.
/// </summary>
public class BdatTranscriptTests
{
    private const string Small = "Subject: one chunk\r\n\r\nHello.\r\n";

    /// <summary>
    /// 2560 octets in lines of 64 (62 characters and CRLF), arranged so that chunks of 1024 octets end at line ends
    /// and the transcript can show them as lines: 1024 + 1024 + 512.
    /// </summary>
    internal static string ChunkedMessage()
    {
        static string Line(int n, int width = 62)
        {
            string start = $"Line {n:00} ";
            return start + new string('x', width - start.Length);
        }
        var sb = new StringBuilder();
        sb.Append("Subject: chunks".PadRight(62)).Append("\r\n\r\n").Append(Line(0, 60)).Append("\r\n");
        for (int i = 1; i <= 38; i++)
        {
            sb.Append(Line(i)).Append("\r\n");
        }
        return sb.ToString();
    }

    private static Action<Smtp> Raw(string message, string to = "bob@example.com", int chunkSize = 1024) => smtp =>
    {
        smtp.From = "alice@example.org";
        smtp.SendTo = to;
        smtp.Message = message;
        smtp.Config($"ChunkSize={chunkSize}");
    };

    [Fact]
    public void TheChunkedMessageIsWhatTheTranscriptsShow() => Assert.Equal(2560, ChunkedMessage().Length);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task SendsChunksOfTheChunkSizeOneReplyBehind(ReplayMode mode) =>
        Run("bdat-chunks.smtp", mode, Raw(ChunkedMessage()), (smtp, isAsync) => Send(smtp, isAsync));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task WithoutPipeliningEachChunkWaitsForItsReply(ReplayMode mode) =>
        Run("bdat-serial.smtp", mode, Raw(ChunkedMessage()), (smtp, isAsync) => Send(smtp, isAsync));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ARefusedChunkResetsTheTransactionAndFailsTheSend(ReplayMode mode) =>
        Run("bdat-chunk-refused.smtp", mode, Raw(ChunkedMessage()), async (smtp, isAsync) =>
        {
            var e = await Assert.ThrowsAsync<SmtpException>(() => Send(smtp, isAsync));
            Assert.Equal((SmtpErrorCodes.ProtocolError, 552, "5.3.4"), (e.Code, e.ReplyCode, e.EnhancedStatusCode));
            Assert.Contains("refused a chunk of the message (BDAT)", e.Message, StringComparison.Ordinal);
            Assert.False(smtp.Connected);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AOneChunkMessageWaitsForTheEnvelopeWhenARejectionCouldStopIt(ReplayMode mode) =>
        Run("bdat-one-chunk.smtp", mode, Raw(Small), (smtp, isAsync) => Send(smtp, isAsync));

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AOneChunkMessageTravelsWithItsEnvelopeInOneWrite(ReplayMode mode)
    {
        var errors = new List<string>();
        return RunRecorded("bdat-with-envelope.smtp", mode, smtp =>
        {
            Raw(Small, "bob@example.com, nobody@example.com")(smtp);
            smtp.Config("StopOnToErrors=False");
            smtp.OnError += (_, e) => errors.Add(e.Description);
        }, async (smtp, isAsync, recorder) =>
        {
            await Send(smtp, isAsync);
            string transaction = Assert.Single(recorder.Writes, w => w.StartsWith("MAIL", StringComparison.Ordinal));
            Assert.Equal("MAIL FROM:<alice@example.org> SIZE=30\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<nobody@example.com>\r\n" +
                "BDAT 30 LAST\r\n" + Small, transaction);
            Assert.Contains(errors, e => e.Contains("<nobody@example.com>", StringComparison.Ordinal));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task UseChunkingFalseKeepsToData(ReplayMode mode) =>
        Run("bdat-turned-off.smtp", mode, smtp =>
        {
            Raw(Small)(smtp);
            smtp.Config("UseChunking=False");
        }, (smtp, isAsync) => Send(smtp, isAsync));
}
