using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Herald.Protocol;
using Xunit;

namespace Herald.Tests.Protocol;

/// <summary>Properties of the reply parser over generated replies and arbitrary bytes.</summary>
public class ReplyParserPropertyTests
{
    private static readonly Gen<string> s_lineText =
        Gen.Elements("", "ok", "2.1.0 Sender ok", "PIPELINING", "SIZE 1000", "a b  c", "ünïcode", "-dash", " space").Select(s => s);

    private static readonly Gen<(int Code, string[] Lines)> s_reply =
        from code in Gen.Choose(200, 599)
        from lines in s_lineText.NonEmptyListOf()
        select (code, lines.ToArray());

    private static string Wire(int code, string[] lines)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            sb.Append(code).Append(i == lines.Length - 1 ? ' ' : '-').Append(lines[i]).Append("\r\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void AnyReplySplitAnywhereParsesToTheSameLines()
    {
        Prop.ForAll(s_reply.ToArbitrary(), Gen.Choose(1, 17).ToArbitrary(), (reply, chunk) =>
        {
            var bytes = Encoding.UTF8.GetBytes(Wire(reply.Code, reply.Lines));
            var parser = new SmtpReplyParser();
            SmtpReply? parsed = null;
            for (int pos = 0; pos < bytes.Length;)
            {
                int take = Math.Min(chunk, bytes.Length - pos);
                var piece = bytes.AsSpan(pos, take);
                int used = 0;
                while (used < piece.Length)
                {
                    var r = parser.Feed(piece[used..], out int consumed);
                    used += consumed;
                    if (r is not null)
                    {
                        if (parsed is not null)
                        {
                            return false; // one reply only
                        }
                        parsed = r;
                    }
                }
                pos += take;
            }
            return parsed is not null && parsed.Code == reply.Code && parsed.Lines.SequenceEqual(reply.Lines);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [Fact]
    public void ArbitraryBytesEitherParseOrFailCleanly()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var parser = new SmtpReplyParser(maxLineLength: 256);
            try
            {
                int pos = 0;
                while (pos < bytes.Length)
                {
                    var reply = parser.Feed(bytes.AsSpan(pos), out int consumed);
                    if (consumed == 0 && reply is null)
                    {
                        return false; // no progress
                    }
                    pos += consumed;
                    if (reply is not null && (reply.Code < 200 || reply.Code > 599))
                    {
                        return false;
                    }
                }
                return true;
            }
            catch (SmtpProtocolException)
            {
                return true;
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }
}
