namespace Herald.Tests.Infrastructure;

/// <summary>What one transcript line asks for.</summary>
internal enum TranscriptStepKind
{
    /// <summary>Bytes the client must write (<c>C:</c>, <c>C~</c>, <c>C!</c>).</summary>
    Client,
    /// <summary>Bytes the server sends (<c>S:</c>, <c>S~</c>, <c>S!</c>).</summary>
    Server,
    /// <summary><c>-- close</c>: the server closes the connection; reads return 0 from here on.</summary>
    ServerClose,
    /// <summary><c>-- client-close</c>: the client must close (dispose) the stream here.</summary>
    ClientClose,
    /// <summary><c>-- silence</c>: the server never answers; a read blocks until it is cancelled or the stream closes.</summary>
    Silence,
}

/// <summary>One step of a transcript session, with the file line it came from for error messages.</summary>
internal sealed class TranscriptStep
{
    /// <summary>Creates a step.</summary>
    public TranscriptStep(TranscriptStepKind kind, byte[] bytes, LinePattern? pattern, int lineNumber, string source)
    {
        Kind = kind;
        Bytes = bytes;
        Pattern = pattern;
        LineNumber = lineNumber;
        Source = source;
    }

    /// <summary>What the step asks for.</summary>
    public TranscriptStepKind Kind { get; }

    /// <summary>The exact bytes for a literal client or server step; empty otherwise.</summary>
    public byte[] Bytes { get; }

    /// <summary>For a <c>C:</c> line containing <c>{any}</c>: the pattern the written line must match.</summary>
    public LinePattern? Pattern { get; }

    /// <summary>1-based line in the transcript file.</summary>
    public int LineNumber { get; }

    /// <summary>The transcript line as written, for messages.</summary>
    public string Source { get; }

    /// <inheritdoc />
    public override string ToString() => $"line {LineNumber}: {Source}";
}
