using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Engine;
using Herald.Tests.Infrastructure;
using Herald.Transport;
using Xunit;

namespace Herald.Tests.Engine;

/// <summary>
/// BINARYMIME (RFC 3030 §3) at the engine: a message source that declares itself binary goes by BDAT unchanged with
/// BODY=BINARYMIME, and is refused before anything is sent to a server that cannot take it.
/// </summary>
public class BinaryMimeTests
{
    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ABinaryMessageGoesUnchangedWithBodyBinaryMime(ReplayMode mode) =>
        TranscriptRunner.RunEngineAsync("Transcripts/bdat-binarymime.smtp", mode, async (options, isAsync) =>
        {
            // Plain text here so the transcript can show it; BinaryBytesAreNotNormalised sends bytes no text could hold.
            var reply = await SendAsync(options, isAsync, new BinarySource(Encoding.ASCII.GetBytes("Subject: b\r\n\r\n1234\r\n")));
            Assert.Equal(250, reply);
        }, WithHello);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ABinaryMessageIsRefusedWithoutBinaryMime(ReplayMode mode) =>
        TranscriptRunner.RunEngineAsync("Transcripts/bdat-binarymime-refused.smtp", mode, async (options, isAsync) =>
        {
            var e = await Assert.ThrowsAsync<SmtpException>(
                () => SendAsync(options, isAsync, new BinarySource([0, (byte)'\n', (byte)'\r', 1])));
            Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
            Assert.Contains("BINARYMIME", e.Message, StringComparison.Ordinal);
        }, WithHello);

    [Fact]
    public async Task BinaryBytesAreNotNormalised()
    {
        byte[] raw = [(byte)'S', (byte)':', (byte)' ', (byte)'x', 13, 10, 13, 10, 0, 10, 13, 46, 255, 10];
        await using var server = new FakeSmtpServer();
        server.Capabilities.Add("CHUNKING");
        server.Capabilities.Add("BINARYMIME");
        var options = new EngineOptions { Connect = new ConnectRequest { Host = server.Host, Port = server.Port }, Hello = "client.test" };

        await SendAsync(options, isAsync: true, new BinarySource(raw));

        var message = Assert.Single(server.Sessions[0].Messages);
        Assert.Equal(raw, message.Content);
        Assert.Contains("BODY=BINARYMIME", message.MailLine, StringComparison.Ordinal);
        Assert.True(message.ViaBdat);
    }

    private static EngineOptions WithHello(EngineOptions options) => options with { Hello = "client.test" };

    private static async Task<int> SendAsync(EngineOptions options, bool isAsync, MessageSource source)
    {
        using var call = new EngineCall(new SilentEngineEvents());
        using var scope = call.Begin(options, CancellationToken.None, call);
        var envelope = new Envelope("alice@example.org", [new EnvelopeRecipient("bob@example.com", RecipientKind.To, "")]);
        var result = isAsync
            ? await call.WithSessionAsync(new AsyncIO(), scope, (call.Engine, envelope, source),
                static (io, guard, state) => state.Engine.SendMailAsync(io, guard, state.envelope, state.source))
            : await call.WithSessionAsync(new SyncIO(), scope, (call.Engine, envelope, source),
                static (io, guard, state) => state.Engine.SendMailAsync(io, guard, state.envelope, state.source));
        return result.FinalReply!.Code;
    }

    /// <summary>Raw bytes declared binary.</summary>
    private sealed class BinarySource(byte[] data) : MessageSource
    {
        private int _position;

        public override long Length => data.Length;

        public override bool HasBody => data.Length > 0;

        public override bool IsBinary => true;

        public override ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            int n = Math.Min(buffer.Length, data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return new(n);
        }
    }
}
