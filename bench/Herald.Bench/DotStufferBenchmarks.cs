using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Protocol;

namespace Herald.Bench;

/// <summary>
/// Dot-stuffing and line-end normalisation of a 1 MB body pushed through a 64 KiB buffer, as the engine sends
/// message data. Three bodies: ordinary text (CRLF lines of 76 characters), every line starting with a dot (each
/// gains a byte), and bare LF line ends (each becomes CRLF).
/// </summary>
[MemoryDiagnoser]
public class DotStufferBenchmarks
{
    private const int BodySize = 1024 * 1024;
    private readonly byte[] _destination = new byte[64 * 1024];
    private byte[] _body = null!;

    /// <summary>Which body.</summary>
    [Params("plain", "leading-dots", "bare-lf")]
    public string Body { get; set; } = "plain";

    /// <summary>Builds the 1 MB body.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var line = new string('x', 74);
        string text = Body switch
        {
            "plain" => "Lorem ipsum " + line[12..] + "\r\n",
            "leading-dots" => "." + line[1..] + "\r\n",
            "bare-lf" => "Lorem ipsum " + line[12..] + "x\n",
            _ => throw new ArgumentException("unknown body " + Body),
        };
        var sb = new StringBuilder(BodySize + text.Length);
        while (sb.Length < BodySize)
        {
            sb.Append(text);
        }
        _body = Encoding.ASCII.GetBytes(sb.ToString(0, BodySize));
    }

    /// <summary>Encodes the whole body and the end-of-data line; returns the bytes produced.</summary>
    [Benchmark]
    public long Encode1MB()
    {
        var stuffer = new DotStuffer();
        ReadOnlySpan<byte> source = _body;
        long total = 0;
        while (source.Length > 0)
        {
            total += stuffer.Encode(source, _destination, out int used);
            source = source[used..];
        }
        return total + stuffer.Finish(_destination);
    }
}
