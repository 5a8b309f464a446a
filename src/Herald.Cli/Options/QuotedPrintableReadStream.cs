namespace Herald.Cli.Options;

/// <summary>
/// Reads another stream's text as quoted-printable (RFC 2045 §6.7), a buffer at a time, for a streamed body whose
/// content the component does not encode itself. Printable ASCII but '=' passes as it is; other bytes become <c>=XX</c>;
/// CR, LF and CRLF are line breaks and go out as CRLF (rule 4: text in canonical form); a space or tab that would end a
/// line is encoded (rule 3), so a relay that strips trailing white space changes nothing; and lines are cut with a soft
/// break (<c>=</c> CRLF) so that none is longer than 76 characters (rule 5). The output gains no final line break.
/// </summary>
internal sealed class QuotedPrintableReadStream(Stream source) : Stream
{
    private const int InputSize = 16 * 1024;
    private const int MaxLineLength = 76;           // the '=' of a soft break included, CRLF not (rule 5)

    private readonly byte[] _input = new byte[InputSize];
    // Each input byte gives at most "=XX" plus a soft break before it and before a held space: 3 + 3 + 1 + 3.
    private readonly byte[] _output = new byte[InputSize * 10 + 16];
    private int _outputStart;
    private int _outputEnd;
    private int _lineLength;    // characters on the current output line
    private byte _heldSpace;    // a space or tab not yet written (0 for none): encoded if the line ends after it
    private bool _afterCr;      // a CR was just written as a line break, so an LF right after it belongs to it
    private bool _finished;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        while (_outputStart == _outputEnd && !_finished && !buffer.IsEmpty)
        {
            _outputStart = _outputEnd = 0;
            int n = source.Read(_input, 0, _input.Length);
            if (n == 0)
            {
                Finish();
                _finished = true;
            }
            foreach (byte b in _input.AsSpan(0, n))
            {
                Encode(b);
            }
        }
        int take = Math.Min(buffer.Length, _outputEnd - _outputStart);
        _output.AsSpan(_outputStart, take).CopyTo(buffer);
        _outputStart += take;
        return take;
    }

    // The body is a local file or a private temporary copy, read synchronously as the component's own file reads are.
    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Task.FromResult(Read(buffer.AsSpan(offset, count)));
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Read(buffer.Span));

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            source.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Encode(byte b)
    {
        if (_afterCr)
        {
            _afterCr = false;
            if (b == '\n')
            {
                return;
            }
        }
        if (b is (byte)'\r' or (byte)'\n')
        {
            if (_heldSpace != 0)
            {
                Escaped(_heldSpace);
                _heldSpace = 0;
            }
            Put((byte)'\r');
            Put((byte)'\n');
            _lineLength = 0;
            _afterCr = b == '\r';
            return;
        }
        if (_heldSpace != 0)
        {
            Literal(_heldSpace); // not at the end of the line after all
            _heldSpace = 0;
        }
        if (b is (byte)' ' or (byte)'\t')
        {
            _heldSpace = b;
        }
        else if (b is >= 33 and <= 126 and not (byte)'=')
        {
            Literal(b);
        }
        else
        {
            Escaped(b);
        }
    }

    /// <summary>The end of the text: a held space ends the data, so it is encoded.</summary>
    private void Finish()
    {
        if (_heldSpace != 0)
        {
            Escaped(_heldSpace);
            _heldSpace = 0;
        }
    }

    private void Literal(byte b)
    {
        SoftBreakFor(1);
        Put(b);
        _lineLength++;
    }

    private void Escaped(byte b)
    {
        SoftBreakFor(3);
        Put((byte)'=');
        Put((byte)"0123456789ABCDEF"[b >> 4]);
        Put((byte)"0123456789ABCDEF"[b & 0xF]);
        _lineLength += 3;
    }

    // Keeps room on every line for the '=' of a soft break.
    private void SoftBreakFor(int width)
    {
        if (_lineLength + width > MaxLineLength - 1)
        {
            Put((byte)'=');
            Put((byte)'\r');
            Put((byte)'\n');
            _lineLength = 0;
        }
    }

    private void Put(byte b) => _output[_outputEnd++] = b;
}
