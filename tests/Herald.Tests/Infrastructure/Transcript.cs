using System.Globalization;
using System.Text;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// A parsed <c>*.smtp</c> transcript: one or more connections, each a list of steps. The format is described in
/// <c>Infrastructure/README.md</c>; in short:
/// <code>
/// # comment                 ignored, as are blank lines
/// S: 220 mx.test ESMTP      the server sends the text + CRLF
/// C: EHLO {any}             the client must write the text + CRLF; {any} matches any run without CR/LF
/// C:                        an empty line (just CRLF)
/// C~ BDAT 5\r\nhello        escaped text (\r \n \t \0 \\ \xHH), no CRLF added; S~ likewise
/// S! 32 35 30 0d 0a         hex bytes, no CRLF added; C! likewise
/// -- close                  the server closes the connection
/// -- silence                the server never answers (reads block until cancelled or closed)
/// -- client-close           the client must close the connection here
/// -- next-connection        what follows is the next connection the client opens
/// </code>
/// </summary>
internal sealed class Transcript
{
    private Transcript(string name, IReadOnlyList<TranscriptSession> sessions)
    {
        Name = name;
        Sessions = sessions;
    }

    /// <summary>The file name (or the name given to <see cref="Parse"/>), used in every message.</summary>
    public string Name { get; }

    /// <summary>The connections, in the order the client opens them.</summary>
    public IReadOnlyList<TranscriptSession> Sessions { get; }

    /// <summary>
    /// Reads a transcript file. A relative path is taken from the test output folder, where the project copies
    /// <c>Transcripts/**/*.smtp</c>.
    /// </summary>
    /// <exception cref="FormatException">A line is not valid transcript syntax.</exception>
    public static Transcript Load(string path)
    {
        string full = Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path);
        return Parse(File.ReadAllText(full, Encoding.UTF8), path);
    }

    /// <summary>Parses transcript text (for transcripts written inline in a test).</summary>
    /// <exception cref="FormatException">A line is not valid transcript syntax.</exception>
    public static Transcript Parse(string text, string name = "inline transcript")
    {
        var sessions = new List<TranscriptSession>();
        var steps = new List<TranscriptStep>();
        int directiveLine = 0;
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int number = i + 1;
            // The format says LF, but a checkout that turned LF into CRLF must not change what the lines mean.
            string line = lines[i].EndsWith('\r') ? lines[i][..^1] : lines[i];
            if (line.Trim().Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            if (line.StartsWith("--", StringComparison.Ordinal))
            {
                string directive = line[2..].Trim();
                if (directive == "next-connection")
                {
                    Close(sessions, steps, name, number);
                    steps = [];
                    directiveLine = number;
                    continue;
                }
                var kind = directive switch
                {
                    "close" => TranscriptStepKind.ServerClose,
                    "client-close" => TranscriptStepKind.ClientClose,
                    "silence" => TranscriptStepKind.Silence,
                    _ => throw Error(name, number, $"unknown directive \"{line}\" (known: -- close, -- silence, " +
                        "-- client-close, -- next-connection)"),
                };
                Add(steps, new TranscriptStep(kind, [], null, number, line), name);
                continue;
            }
            if (line.Length < 2 || (line[0] != 'C' && line[0] != 'S') || line[1] is not (':' or '~' or '!'))
            {
                throw Error(name, number, $"\"{line}\" does not start with C:, S:, C~, S~, C!, S!, --, or #");
            }
            if (line.Length > 2 && line[2] != ' ')
            {
                throw Error(name, number, $"put one space after \"{line[..2]}\"");
            }
            var stepKind = line[0] == 'C' ? TranscriptStepKind.Client : TranscriptStepKind.Server;
            string body = line.Length > 3 ? line[3..] : "";
            TranscriptStep step;
            switch (line[1])
            {
                case ':':
                    step = stepKind == TranscriptStepKind.Client && LinePattern.HasWildcard(body)
                        ? new TranscriptStep(stepKind, [], new LinePattern(body), number, line)
                        : new TranscriptStep(stepKind, Encoding.UTF8.GetBytes(body + "\r\n"), null, number, line);
                    break;
                case '~':
                    step = new TranscriptStep(stepKind, Unescape(body, name, number), null, number, line);
                    break;
                default:
                    step = new TranscriptStep(stepKind, Hex(body, name, number), null, number, line);
                    break;
            }
            if (step.Pattern is null && step.Bytes.Length == 0)
            {
                throw Error(name, number, "the line stands for no bytes at all");
            }
            Add(steps, step, name);
        }
        Close(sessions, steps, name, directiveLine);
        return new Transcript(name, sessions);
    }

    private static void Add(List<TranscriptStep> steps, TranscriptStep step, string name)
    {
        // What may follow what: after the server closes, the client may still write (and then must close); after
        // silence or a client close nothing else can happen on this connection.
        var before = steps.Select(s => s.Kind).ToList();
        if (before.Contains(TranscriptStepKind.ClientClose))
        {
            throw Error(name, step.LineNumber, "nothing can follow \"-- client-close\" except \"-- next-connection\"");
        }
        if (before.Contains(TranscriptStepKind.Silence) && step.Kind != TranscriptStepKind.ClientClose)
        {
            throw Error(name, step.LineNumber, "only \"-- client-close\" can follow \"-- silence\"");
        }
        if (before.Contains(TranscriptStepKind.ServerClose)
            && step.Kind is not (TranscriptStepKind.Client or TranscriptStepKind.ClientClose))
        {
            throw Error(name, step.LineNumber, "after \"-- close\" the server sends nothing; only client lines and " +
                "\"-- client-close\" can follow");
        }
        steps.Add(step);
    }

    private static void Close(List<TranscriptSession> sessions, List<TranscriptStep> steps, string name, int line)
    {
        if (steps.Count == 0)
        {
            throw Error(name, line, $"connection {sessions.Count + 1} has no lines");
        }
        sessions.Add(new TranscriptSession(name, sessions.Count, steps));
    }

    private static byte[] Unescape(string text, string name, int number)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\\')
            {
                // Take whole UTF-16 units up to the next escape so non-ASCII text stays UTF-8.
                int end = text.IndexOf('\\', i);
                end = end < 0 ? text.Length : end;
                bytes.AddRange(Encoding.UTF8.GetBytes(text[i..end]));
                i = end - 1;
                continue;
            }
            if (++i >= text.Length)
            {
                throw Error(name, number, "the line ends with a lone backslash (write \\\\ for a backslash)");
            }
            switch (text[i])
            {
                case 'r': bytes.Add((byte)'\r'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case '0': bytes.Add(0); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case 'x' when i + 2 < text.Length &&
                              byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, null, out byte b):
                    bytes.Add(b);
                    i += 2;
                    break;
                default:
                    throw Error(name, number, $"unknown escape \"\\{text[i]}\" (known: \\r \\n \\t \\0 \\\\ \\xHH)");
            }
        }
        return [.. bytes];
    }

    private static byte[] Hex(string text, string name, int number)
    {
        string digits = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        try
        {
            return Convert.FromHexString(digits);
        }
        catch (FormatException)
        {
            throw Error(name, number, $"\"{text}\" is not an even number of hex digits");
        }
    }

    private static FormatException Error(string name, int line, string message) => new($"{name}:{line}: {message}");
}

/// <summary>The steps of one connection of a transcript.</summary>
internal sealed class TranscriptSession
{
    /// <summary>Creates a session.</summary>
    public TranscriptSession(string transcriptName, int index, IReadOnlyList<TranscriptStep> steps)
    {
        TranscriptName = transcriptName;
        Index = index;
        Steps = steps;
    }

    /// <summary>The transcript this connection belongs to.</summary>
    public string TranscriptName { get; }

    /// <summary>0-based position among the transcript's connections.</summary>
    public int Index { get; }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<TranscriptStep> Steps { get; }
}
