using System.Buffers;
using System.Text;
using Herald.Transport;

namespace Herald.Message.Mime;

/// <summary>
/// A text body held as a string, streamed as UTF-8 with CRLF line ends, quoted-printable encoded when asked. The string
/// is encoded piece by piece through two small pooled buffers, so no full copy of it is made.
/// </summary>
internal sealed class TextSegment : MimeSegment
{
    private const int CharsPerStep = 1024;

    private readonly string _text;
    private readonly TextTransfer _transfer;
    private readonly byte[] _terminator;
    private readonly Encoder _utf8 = Charsets.Utf8.GetEncoder();
    private QuotedPrintableEncoder _qp = new(binary: false);
    private byte[]? _encoded;       // UTF-8 of the current piece of text
    private byte[]? _normalized;    // the same with line ends made CRLF, waiting to be written
    private int _normalizedStart;
    private int _normalizedEnd;
    private int _charPosition;
    private bool _afterCr;          // the last byte normalised was a CR (already written as CRLF)
    private int _stage;             // 0: body, 1: terminator, 2: done
    private int _terminatorPosition;

    /// <summary>Creates the segment and computes its length (a counting pass for quoted-printable).</summary>
    /// <param name="text">The body.</param>
    /// <param name="stats">Its measurements, from <see cref="TextStats.Of"/>.</param>
    /// <param name="transfer">How to send it.</param>
    /// <param name="endWithLineBreak">True when the body ends the message: a text that does not end with a line break
    /// gets one, so the message data ends with CRLF and the SMTP layer adds nothing (RFC 5321 §4.1.1.4). For
    /// quoted-printable it is a soft line break, which decodes to nothing.</param>
    public TextSegment(string text, TextStats stats, TextTransfer transfer, bool endWithLineBreak)
    {
        _text = text;
        _transfer = transfer;
        bool qp = transfer == TextTransfer.QuotedPrintable;
        _terminator = !endWithLineBreak || text.Length == 0 || stats.EndsWithLineBreak ? []
            : qp ? "=\r\n"u8.ToArray() : "\r\n"u8.ToArray();
        Length = qp ? CountEncoded(text) + _terminator.Length : stats.Octets + _terminator.Length;
    }

    /// <inheritdoc />
    public override long Length { get; }

    /// <inheritdoc />
    public override bool Is8Bit => _transfer == TextTransfer.EightBit;

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync<TIO>(TIO io, Memory<byte> destination, CancellationToken cancellationToken)
    {
        int n = Produce(destination.Span);
        if (n == 0)
        {
            Complete();
        }
        return new ValueTask<int>(n);
    }

    /// <inheritdoc />
    public override void Complete()
    {
        if (_encoded is not null)
        {
            ArrayPool<byte>.Shared.Return(_encoded);
            ArrayPool<byte>.Shared.Return(_normalized!);
            _encoded = _normalized = null;
        }
    }

    private int Produce(Span<byte> destination)
    {
        int d = 0;
        while (_stage == 0)
        {
            if (_normalizedStart < _normalizedEnd)
            {
                var pending = _normalized.AsSpan(_normalizedStart, _normalizedEnd - _normalizedStart);
                int used;
                if (_transfer == TextTransfer.QuotedPrintable)
                {
                    d += _qp.Encode(pending, destination[d..], out used);
                }
                else
                {
                    used = Math.Min(pending.Length, destination.Length - d);
                    pending[..used].CopyTo(destination[d..]);
                    d += used;
                }
                _normalizedStart += used;
                if (used == 0)
                {
                    return d; // the destination is full
                }
            }
            else if (_charPosition < _text.Length)
            {
                NextPiece();
            }
            else
            {
                if (_transfer == TextTransfer.QuotedPrintable)
                {
                    if (destination.Length - d < QuotedPrintableEncoder.MinDestinationLength)
                    {
                        return d;
                    }
                    d += _qp.Finish(destination[d..]);
                }
                _stage = 1;
            }
        }
        if (_stage == 1)
        {
            int n = Math.Min(_terminator.Length - _terminatorPosition, destination.Length - d);
            _terminator.AsSpan(_terminatorPosition, n).CopyTo(destination[d..]);
            _terminatorPosition += n;
            d += n;
            if (_terminatorPosition == _terminator.Length)
            {
                _stage = 2;
            }
        }
        return d;
    }

    // Encodes the next piece of the string to UTF-8 and makes its line ends CRLF (RFC 2045 §6.7 rule 4 for
    // quoted-printable; RFC 5322 §2.3 for 7bit and 8bit).
    private void NextPiece()
    {
        _encoded ??= ArrayPool<byte>.Shared.Rent(CharsPerStep * 3 + 8);
        _normalized ??= ArrayPool<byte>.Shared.Rent(CharsPerStep * 6 + 16);
        int take = Math.Min(CharsPerStep, _text.Length - _charPosition);
        bool last = _charPosition + take == _text.Length;
        _utf8.Convert(_text.AsSpan(_charPosition, take), _encoded, last, out int charsUsed, out int bytes, out _);
        _charPosition += charsUsed;
        int n = 0;
        foreach (var b in _encoded.AsSpan(0, bytes))
        {
            if (b == (byte)'\n' && _afterCr)
            {
                _afterCr = false;
                continue;
            }
            if (b is (byte)'\r' or (byte)'\n')
            {
                _normalized[n++] = (byte)'\r';
                _normalized[n++] = (byte)'\n';
                _afterCr = b == (byte)'\r';
                continue;
            }
            _afterCr = false;
            _normalized[n++] = b;
        }
        _normalizedStart = 0;
        _normalizedEnd = n;
    }

    // The quoted-printable length cannot be computed without encoding, so the text is encoded once into a scratch
    // buffer and only counted (text bodies are in memory; this costs CPU, not memory).
    private static long CountEncoded(string text)
    {
        var counter = new TextSegment(text, TextTransfer.QuotedPrintable);
        var scratch = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            long total = 0;
            int n;
            while ((n = counter.Produce(scratch)) > 0)
            {
                total += n;
            }
            return total;
        }
        finally
        {
            counter.Complete();
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private TextSegment(string text, TextTransfer transfer)
    {
        _text = text;
        _transfer = transfer;
        _terminator = [];
    }
}
