using BenchmarkDotNet.Attributes;
using Herald.Bench.Loopback;
using Herald.Protocol;

namespace Herald.Bench;

/// <summary>
/// The reply parser on the replies a client sees most: a one-line answer to MAIL/RCPT, a twelve-line EHLO reply
/// delivered in one read, and the same EHLO reply delivered one byte per read (the worst case of a slow or
/// hostile server, and what exercises resuming mid-line).
/// </summary>
[MemoryDiagnoser]
public class ReplyParserBenchmarks
{
    private static readonly byte[] SingleLine = "250 2.1.5 Ok\r\n"u8.ToArray();
    private SmtpReplyParser _parser = null!;

    /// <summary>One parser for the run, as a connection keeps one.</summary>
    [GlobalSetup]
    public void Setup() => _parser = new SmtpReplyParser();

    /// <summary>"250 2.1.5 Ok".</summary>
    [Benchmark(Baseline = true)]
    public SmtpReply? SingleLineReply() => _parser.Feed(SingleLine, out _);

    /// <summary>A twelve-line EHLO reply in one piece.</summary>
    [Benchmark]
    public SmtpReply? EhloTwelveLines() => _parser.Feed(CannedSmtpStream.EhloReply, out _);

    /// <summary>The twelve-line EHLO reply, one byte per call.</summary>
    [Benchmark]
    public SmtpReply? EhloByteByByte()
    {
        var data = CannedSmtpStream.EhloReply.AsSpan();
        SmtpReply? reply = null;
        for (int i = 0; i < data.Length; i++)
        {
            reply = _parser.Feed(data.Slice(i, 1), out _);
        }
        return reply;
    }

    /// <summary>The EHLO reply parsed and then read into <see cref="Capabilities"/>, as the engine does at connect.</summary>
    [Benchmark]
    public Capabilities EhloToCapabilities() => Capabilities.FromEhlo(_parser.Feed(CannedSmtpStream.EhloReply, out _)!);
}
