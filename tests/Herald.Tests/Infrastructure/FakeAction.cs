using System.Text;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// What <see cref="FakeSmtpServer"/> does in answer to a command (or on connect): send a reply or raw bytes, wait,
/// close, hang, or several of these in order. A handler returns one; null means "do the built-in thing".
/// The server also reads the reply code an action sends to keep its session state (a 2xx to MAIL opens a
/// transaction, a 354 to DATA starts reading data, a 220 to STARTTLS starts TLS, a 221 to QUIT closes), so a
/// scripted reply steers the session exactly as the built-in one would.
/// </summary>
internal abstract class FakeAction
{
    private protected FakeAction()
    {
    }

    /// <summary>Closes the connection (TCP FIN) after sending anything queued.</summary>
    public static FakeAction Drop { get; } = new CloseAction(reset: false);

    /// <summary>Resets the connection (TCP RST, by lingering for zero seconds) after sending anything queued.</summary>
    public static FakeAction Reset { get; } = new CloseAction(reset: true);

    /// <summary>Stops answering and keeps the connection open until the server is disposed.</summary>
    public static FakeAction Hang { get; } = new HangAction();

    /// <summary>
    /// Sends one reply: each line gets CRLF, and all lines go out in one write (so <c>Reply("250-a", "250 b")</c> is
    /// a multi-line reply, and two complete replies passed here arrive in one packet).
    /// </summary>
    public static FakeAction Reply(params string[] lines) =>
        new SendAction(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\r\n"))));

    /// <summary>Sends <paramref name="text"/> exactly as given, without adding CRLF (a partial line, several replies).</summary>
    public static FakeAction Raw(string text) => new SendAction(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends <paramref name="bytes"/> exactly as given.</summary>
    public static FakeAction Raw(byte[] bytes) => new SendAction(bytes);

    /// <summary>Sends what is queued, waits <paramref name="delay"/>, then does <paramref name="then"/>.</summary>
    public static FakeAction Delay(TimeSpan delay, FakeAction then) => new DelayAction(delay, then);

    /// <summary>Waits <paramref name="delay"/>, then sends the reply.</summary>
    public static FakeAction DelayedReply(TimeSpan delay, params string[] lines) => Delay(delay, Reply(lines));

    /// <summary>
    /// Sends a reply line <paramref name="length"/> bytes long before its CRLF: the code, a space, and filler.
    /// </summary>
    public static FakeAction OversizedLine(int length, string code = "250") =>
        Raw(code + " " + new string('x', Math.Max(0, length - code.Length - 1)) + "\r\n");

    /// <summary>Does each action in turn; stops after one that closes or hangs.</summary>
    public static FakeAction Sequence(params FakeAction[] actions) => new SequenceAction(actions);

    /// <summary>
    /// Sends <paramref name="reply"/> (typically a 334 challenge) and passes the next line the client sends to
    /// <paramref name="next"/> instead of treating it as a command (AUTH exchanges). <paramref name="next"/> returning
    /// null answers 501.
    /// </summary>
    public static FakeAction Continue(FakeAction reply, Func<FakeCommand, FakeAction?> next) => new ContinueAction(reply, next);

    /// <summary>The reply code this action sends first, or null when it sends none (close, hang).</summary>
    internal abstract int? ReplyCode { get; }

    internal sealed class SendAction(byte[] bytes) : FakeAction
    {
        public byte[] Bytes { get; } = bytes;

        internal override int? ReplyCode =>
            Bytes.Length >= 3 && Bytes.AsSpan(0, 3).IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
                ? (Bytes[0] - '0') * 100 + (Bytes[1] - '0') * 10 + (Bytes[2] - '0')
                : null;
    }

    internal sealed class DelayAction(TimeSpan delay, FakeAction then) : FakeAction
    {
        public TimeSpan Duration { get; } = delay;

        public FakeAction Then { get; } = then;

        internal override int? ReplyCode => Then.ReplyCode;
    }

    internal sealed class SequenceAction(FakeAction[] actions) : FakeAction
    {
        public FakeAction[] Actions { get; } = actions;

        internal override int? ReplyCode => Actions.Select(a => a.ReplyCode).FirstOrDefault(c => c is not null);
    }

    internal sealed class ContinueAction(FakeAction reply, Func<FakeCommand, FakeAction?> next) : FakeAction
    {
        public FakeAction Challenge { get; } = reply;

        public Func<FakeCommand, FakeAction?> Next { get; } = next;

        internal override int? ReplyCode => Challenge.ReplyCode;
    }

    internal sealed class CloseAction(bool reset) : FakeAction
    {
        public bool IsReset { get; } = reset;

        internal override int? ReplyCode => null;
    }

    internal sealed class HangAction : FakeAction
    {
        internal override int? ReplyCode => null;
    }
}
