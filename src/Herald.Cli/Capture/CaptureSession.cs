using System.Buffers;
using System.Globalization;
using System.Text;

namespace Herald.Cli.Capture;

/// <summary>
/// One client's SMTP session with the capture server (RFC 5321 server side): greeting, EHLO/HELO, the mail
/// transaction and the small commands. Replies are collected and written when the client's input runs dry, so a
/// pipelining client (RFC 2920) gets every reply in order without a write per command.
/// </summary>
/// <remarks>Partial files: the command loop and the simple commands here; <c>.Transaction</c> MAIL, RCPT and DATA;
/// <c>.Security</c> STARTTLS and AUTH.</remarks>
internal sealed partial class CaptureSession
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly CaptureServerOptions _options;
    private readonly CaptureStore _store;
    private readonly Action<CapturedMessage> _saved;
    private readonly bool _implicitTls;
    private readonly ArrayBufferWriter<byte> _pending = new(1024); // replies not yet written
    private Stream _stream;          // the connection, or the TLS stream over it once TLS is up
    private SmtpLineReader _reader;  // reads _stream; replaced (with its buffer) when TLS starts
    private string? _clientName;  // the EHLO/HELO argument; null until the client greets
    private bool _extended;       // greeted with EHLO, so ESMTP parameters are allowed
    private int _errors;          // bad commands so far
    private CancellationTokenSource? _idle; // cancelled when the client stays silent too long or the server stops

    /// <summary>Creates a session over an accepted connection.</summary>
    /// <param name="stream">The connection.</param>
    /// <param name="options">The server's options.</param>
    /// <param name="store">Where messages go.</param>
    /// <param name="saved">Called once a message is saved, before the client is told so.</param>
    /// <param name="implicitTls">True on the implicit-TLS port: the TLS handshake comes before the greeting.</param>
    public CaptureSession(Stream stream, CaptureServerOptions options, CaptureStore store, Action<CapturedMessage> saved,
        bool implicitTls = false)
    {
        _stream = stream;
        _options = options;
        _store = store;
        _saved = saved;
        _implicitTls = implicitTls;
        _reader = NewReader(stream);
    }

    /// <summary>Serves the client until it quits, disconnects, idles too long or the server stops.</summary>
    /// <param name="stopping">Cancelled when the server shuts down.</param>
    /// <exception cref="CaptureTlsException">The TLS handshake failed (the client did not accept the certificate, or
    /// offered nothing the server supports).</exception>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _idle = idle;
        try
        {
            if (_implicitTls)
            {
                idle.CancelAfter(_options.IdleTimeout);
                await StartTlsAsync(idle.Token).ConfigureAwait(false);
            }
            Reply(220, $"{_options.HostName} ESMTP Herald capture server ready: messages are saved to disk, never relayed");
            while (true)
            {
                var line = await ReadCommandLineAsync().ConfigureAwait(false);
                if (line.Status == LineStatus.EndOfStream)
                {
                    return;
                }
                bool goOn = line.Status == LineStatus.TooLong
                    ? Error(500, $"5.5.2 Line too long: commands are limited to {_options.MaxCommandLength} characters")
                    : await HandleAsync(line.Bytes, idle.Token).ConfigureAwait(false);
                if (!goOn)
                {
                    await FlushAsync(idle.Token).ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_implicitTls && _tls is null)
        {
            // Stopped or timed out during the implicit-TLS handshake: there is no channel to send a 421 over.
        }
        catch (OperationCanceledException)
        {
            // Tell the client why the line goes dead (RFC 5321 §3.8: 421 before closing), then close.
            _pending.Clear();
            Reply(421, stopping.IsCancellationRequested
                ? $"4.3.2 {_options.HostName} capture server shutting down"
                : $"4.4.2 {_options.HostName} closing the connection: idle for too long");
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await FlushAsync(grace.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The client is gone or stuck; closing is all that is left.
            }
        }
        finally
        {
            _tls?.Dispose();
        }
    }

    private SmtpLineReader NewReader(Stream stream) =>
        new(stream, Math.Max(_options.MaxCommandLength, _options.MaxDataLineLength) + 2, FlushAsync);

    /// <summary>Handles one command line; false when the session should end.</summary>
    private async ValueTask<bool> HandleAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        string line;
        try
        {
            line = StrictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            return Error(500, "5.5.2 The command is not valid UTF-8");
        }
        if (line.AsSpan().ContainsAny('\r', '\0'))
        {
            return Error(500, "5.5.2 The command contains a CR or NUL character");
        }
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        string verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        string args = space < 0 ? "" : line[(space + 1)..].Trim(' ');
        switch (verb)
        {
            case "EHLO":
            case "HELO":
                return Hello(verb, args);
            case "MAIL":
                return Mail(args);
            case "RCPT":
                return Rcpt(args);
            case "DATA":
                return await DataAsync(args, cancellationToken).ConfigureAwait(false);
            case "RSET":
                if (args.Length > 0)
                {
                    return Error(501, "5.5.4 RSET takes no argument");
                }
                ResetTransaction();
                Reply(250, "2.0.0 Reset");
                return true;
            case "NOOP":
                // RFC 5321 §4.1.1.9: any argument is ignored.
                Reply(250, "2.0.0 OK");
                return true;
            case "VRFY":
                if (args.Length == 0)
                {
                    return Error(501, "5.5.4 Syntax: VRFY <address>");
                }
                // RFC 5321 §3.5.3: 252 means "cannot verify, but will accept a message for it".
                Reply(252, "2.5.0 Cannot verify the address, but a message to it will be accepted and saved");
                return true;
            case "EXPN":
                Reply(502, "5.5.1 EXPN is not available: the capture server has no mailing lists");
                return true;
            case "HELP":
                Reply(214,
                    "2.0.0 Herald capture server: every message is saved as an .eml file, nothing is relayed",
                    _options.TlsCertificate is null
                        ? "2.0.0 Commands: EHLO HELO AUTH MAIL RCPT DATA RSET NOOP VRFY HELP QUIT"
                        : "2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP VRFY HELP QUIT");
                return true;
            case "QUIT":
                if (args.Length > 0)
                {
                    return Error(501, "5.5.4 QUIT takes no argument");
                }
                Reply(221, $"2.0.0 {_options.HostName} closing connection");
                return false;
            case "STARTTLS" when _options.TlsCertificate is not null:
                return await StartTlsCommandAsync(args, cancellationToken).ConfigureAwait(false);
            case "AUTH":
                return await AuthAsync(args).ConfigureAwait(false);
            case "STARTTLS":
            case "BDAT":
            case "ETRN":
            case "TURN":
            case "ATRN":
            case "SEND":
            case "SOML":
            case "SAML":
                return Error(502, $"5.5.1 {verb} is not implemented by the capture server");
            case "":
                return Error(500, "5.5.2 Empty command");
            default:
                return Error(500, $"5.5.2 Command not recognised: {Printable(verb)}");
        }
    }

    private bool Hello(string verb, string args)
    {
        if (args.Length == 0 || args.Contains(' ', StringComparison.Ordinal))
        {
            return Error(501, $"5.5.4 Syntax: {verb} <your domain name or address literal>");
        }
        // RFC 5321 §4.1.4: a new EHLO/HELO ends any transaction in progress, as RSET would.
        ResetTransaction();
        _clientName = args;
        _extended = verb == "EHLO";
        if (!_extended)
        {
            Reply(250, $"{_options.HostName} greets {args}");
            return true;
        }
        var lines = new List<string>
        {
            $"{_options.HostName} greets {args}",
            "PIPELINING",
            "8BITMIME",
            "SMTPUTF8",
            $"SIZE {_options.MaxMessageSize.ToString(CultureInfo.InvariantCulture)}",
            "ENHANCEDSTATUSCODES",
            "DSN",
        };
        if (_options.TlsCertificate is not null && _tls is null)
        {
            // RFC 3207 §4.2: not offered again once TLS is up.
            lines.Add("STARTTLS");
        }
        // Offered with and without TLS, and any credentials are accepted: the capture server stands in for a real
        // server during development, so it takes what a client configured for one sends (see AuthAsync).
        lines.Add("AUTH PLAIN LOGIN");
        lines.Add("HELP");
        Reply(250, [.. lines]);
        return true;
    }

    /// <summary>Waits for the next line from the client, restarting the idle timer.</summary>
    private ValueTask<LineResult> ReadLineAsync(int maxLength, bool crlfOnly)
    {
        _idle!.CancelAfter(_options.IdleTimeout);
        return _reader.ReadLineAsync(maxLength, crlfOnly, _idle.Token);
    }

    /// <summary>Queues a reply of one or more lines (RFC 5321 §4.2: "code-text" on all but the last, "code text" last).</summary>
    private void Reply(int code, params string[] lines)
    {
        string prefix = code.ToString(CultureInfo.InvariantCulture);
        for (int i = 0; i < lines.Length; i++)
        {
            string text = $"{prefix}{(i == lines.Length - 1 ? ' ' : '-')}{lines[i]}\r\n";
            var span = _pending.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
            _pending.Advance(Encoding.UTF8.GetBytes(text, span));
        }
    }

    /// <summary>Queues an error reply and counts it; false when the client has made too many errors.</summary>
    private bool Error(int code, string text)
    {
        Reply(code, text);
        if (++_errors < _options.MaxErrors)
        {
            return true;
        }
        Reply(421, $"4.7.0 {_options.HostName} too many errors, closing connection");
        return false;
    }

    /// <summary>Writes the queued replies.</summary>
    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.WrittenCount == 0)
        {
            return;
        }
        await _stream.WriteAsync(_pending.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _pending.Clear();
    }

    /// <summary>A command word made safe to echo back (it is the client's input).</summary>
    private static string Printable(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, 32));
        foreach (char c in text.Length > 32 ? text[..32] : text)
        {
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        return sb.ToString();
    }
}
