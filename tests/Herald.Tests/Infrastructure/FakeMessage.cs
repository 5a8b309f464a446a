using System.Text;

namespace Herald.Tests.Infrastructure;

/// <summary>One mail transaction the fake server saw through to the end of its data.</summary>
internal sealed class FakeMessage
{
    private readonly List<string> _rcptLines = [];
    private readonly List<string> _recipients = [];
    private readonly MemoryStream _raw = new();
    private readonly MemoryStream _content = new();

    internal FakeMessage(string mailLine, string from)
    {
        MailLine = mailLine;
        From = from;
    }

    /// <summary>The MAIL command line as received.</summary>
    public string MailLine { get; }

    /// <summary>The reverse-path (the address inside the angle brackets of MAIL FROM).</summary>
    public string From { get; }

    /// <summary>Every RCPT line of the transaction, accepted or not.</summary>
    public IReadOnlyList<string> RcptLines => _rcptLines;

    /// <summary>The forward-paths of the recipients the server accepted.</summary>
    public IReadOnlyList<string> Recipients => _recipients;

    /// <summary>
    /// The message as the client meant it: for DATA, the lines with dot-stuffing removed, each ending in CRLF, without
    /// the final "." line; for BDAT, the chunks joined.
    /// </summary>
    public byte[] Content => _content.ToArray();

    /// <summary>
    /// The bytes as they came over the wire after the 354 (dot-stuffed, ending with the "." line) or, for BDAT, the
    /// chunks joined.
    /// </summary>
    public byte[] RawData => _raw.ToArray();

    /// <summary><see cref="Content"/> decoded as UTF-8.</summary>
    public string Text => Encoding.UTF8.GetString(Content);

    /// <summary>True when the content came in BDAT chunks (RFC 3030).</summary>
    public bool ViaBdat { get; internal set; }

    /// <summary>The number of BDAT chunks.</summary>
    public int ChunkCount { get; internal set; }

    /// <summary>The reply code the server sent after the data.</summary>
    public int? FinalReplyCode { get; internal set; }

    internal void AddRcpt(string line, string address, bool accepted)
    {
        _rcptLines.Add(line);
        if (accepted)
        {
            _recipients.Add(address);
        }
    }

    internal void AppendRaw(ReadOnlySpan<byte> bytes) => _raw.Write(bytes);

    internal void AppendContent(ReadOnlySpan<byte> bytes) => _content.Write(bytes);
}
