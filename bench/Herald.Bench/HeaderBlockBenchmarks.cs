using BenchmarkDotNet.Attributes;
using Herald.Message;

namespace Herald.Bench;

/// <summary>
/// Building the header block of a message, which <c>Send</c> does for every message (a new Date and Message-ID each
/// time): a plain ASCII message, and one whose subject and display names need RFC 2047 encoded words and folding.
/// </summary>
[MemoryDiagnoser]
public class HeaderBlockBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 5, 3, TimeSpan.FromHours(1));

    private readonly HeaderSpec _ascii = new()
    {
        From = "\"Alice Example\" <alice@example.com>",
        SendTo = "bob@example.com, Carol <carol@example.com>",
        Cc = "dave@example.com",
        Subject = "Quarterly report for the benchmark run",
        IdDomain = "bench.example",
        OtherHeaders = "X-Mailer: Herald",
        Clock = () => Now,
    };

    private readonly HeaderSpec _international = new()
    {
        From = "\"Zoë Ångström\" <zoe@example.com>",
        SendTo = "\"Jürgen Müller\" <juergen@example.com>, \"Søren Kierkegaard\" <soren@example.com>, " +
                 "\"Renée Œuvre\" <renee@example.com>",
        Subject = "Grüße aus Köln: die Übersicht für das nächste Quartal, mit allen Änderungen und Ergänzungen",
        IdDomain = "bench.example",
        Body = BodyEncoding.EightBit,
        Clock = () => Now,
    };

    /// <summary>ASCII From/To/Cc/Subject plus one extra header.</summary>
    [Benchmark(Baseline = true)]
    public object AsciiHeaders() => HeaderBlock.Build(_ascii);

    /// <summary>Non-ASCII names and a long non-ASCII subject: encoded words and folding, plus MIME headers.</summary>
    [Benchmark]
    public object EncodedWordHeaders() => HeaderBlock.Build(_international);
}
