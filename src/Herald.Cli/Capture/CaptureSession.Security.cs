using System.Net.Security;
using System.Security.Authentication;
using System.Text;

namespace Herald.Cli.Capture;

internal sealed partial class CaptureSession
{
    private SslStream? _tls;         // the TLS stream once STARTTLS (or the implicit-TLS port) has done its handshake
    private string? _tlsDescription; // e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384", recorded with each message
    private string? _user;           // the user name the client authenticated as; null until AUTH succeeds
    private bool _spokeOverTls;      // a command has arrived since the handshake

    /// <summary>STARTTLS (RFC 3207): answer 220, do the handshake, then start the session over.</summary>
    private async ValueTask<bool> StartTlsCommandAsync(string args, CancellationToken cancellationToken)
    {
        if (args.Length > 0)
        {
            return Error(501, "5.5.4 STARTTLS takes no argument");
        }
        if (_tls is not null)
        {
            return Error(503, "5.5.1 TLS is already active");
        }
        Reply(220, "2.0.0 Ready to start TLS");
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await StartTlsAsync(cancellationToken).ConfigureAwait(false);
        // RFC 3207 §4.2: forget everything learnt before TLS (the EHLO name, any transaction, the login); the client
        // starts again with EHLO.
        _clientName = null;
        _extended = false;
        _user = null;
        ResetTransaction();
        return true;
    }

    /// <summary>The TLS handshake, as the server, on the current connection; afterwards every read and write goes
    /// through TLS.</summary>
    /// <exception cref="CaptureTlsException">The handshake failed.</exception>
    private async ValueTask StartTlsAsync(CancellationToken cancellationToken)
    {
        // Anything the client sent after STARTTLS and before its TLS hello is still in the old reader's buffer. It
        // arrived unprotected, so it is dropped with that reader instead of being read as if it came over TLS
        // (the command injection of CVE-2011-0411; RFC 3207 §4.2 says such data must not be trusted).
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _options.TlsCertificate,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        try
        {
            await tls.AuthenticateAsServerAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            // A client that does not trust the certificate either sends an alert (AuthenticationException; the
            // innermost message names it, such as "tlsv1 alert unknown ca") or just hangs up mid-handshake (IOException).
            string why = e is AuthenticationException
                ? e.GetBaseException().Message.TrimEnd('.')
                : "the client closed the connection during the handshake";
            throw new CaptureTlsException($"a client's TLS handshake failed: {why}", e);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _tls = tls;
        _spokeOverTls = false;
        _stream = tls;
        _reader = NewReader(tls);
        _tlsDescription = $"{Describe(tls.SslProtocol)} {tls.NegotiatedCipherSuite}";
    }

    /// <summary>The next command line. A client that leaves right after the handshake, before its first command
    /// over TLS, has almost always refused the certificate: on many platforms the client checks the certificate only
    /// once the handshake is complete, and then just closes (or sends an alert), so this is where that shows.</summary>
    /// <exception cref="CaptureTlsException">The client left right after the handshake.</exception>
    private async ValueTask<LineResult> ReadCommandLineAsync()
    {
        LineResult line;
        try
        {
            line = await ReadLineAsync(_options.MaxCommandLength, crlfOnly: false).ConfigureAwait(false);
        }
        catch (IOException e) when (_tls is not null && !_spokeOverTls)
        {
            throw new CaptureTlsException("a client broke off the connection right after the TLS handshake " +
                $"({e.GetBaseException().Message.TrimEnd('.')}); it probably does not trust the certificate", e);
        }
        if (line.Status == LineStatus.EndOfStream && _tls is not null && !_spokeOverTls)
        {
            throw new CaptureTlsException("a client closed the connection right after the TLS handshake, before any command; " +
                "it probably does not trust the certificate", null);
        }
        _spokeOverTls = true;
        return line;
    }

    private static string Describe(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
#pragma warning disable SYSLIB0039 // naming an old version the platform negotiated is not using it
        SslProtocols.Tls11 => "TLSv1.1",
        SslProtocols.Tls => "TLSv1",
#pragma warning restore SYSLIB0039
        _ => protocol.ToString(),
    };

    /// <summary>
    /// AUTH (RFC 4954) with PLAIN (RFC 4616) or LOGIN: any user name and password are accepted and the user name is
    /// recorded with each message that follows. Like other development mail catchers, the server also accepts AUTH
    /// before STARTTLS: an application set up for a real server either starts TLS first anyway or is being tried
    /// without it on purpose, and nothing here is a real credential check to protect.
    /// </summary>
    private async ValueTask<bool> AuthAsync(string args)
    {
        if (_clientName is null || !_extended)
        {
            return Error(503, "5.5.1 Say EHLO first");
        }
        if (_user is not null)
        {
            // RFC 4954 §4: only one successful AUTH per session.
            return Error(503, "5.5.1 Already authenticated");
        }
        if (_reversePath is not null)
        {
            return Error(503, "5.5.1 AUTH is not allowed during a mail transaction");
        }
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2)
        {
            return Error(501, "5.5.4 Syntax: AUTH mechanism [initial-response]");
        }
        string mechanism = parts[0].ToUpperInvariant();
        string? initial = parts.Length == 2 ? parts[1] : null;
        string? user;
        string? problem;
        switch (mechanism)
        {
            case "PLAIN":
            {
                var (response, ended) = await ResponseAsync(initial, "").ConfigureAwait(false);
                if (ended)
                {
                    return false;
                }
                if (response is null)
                {
                    return true; // cancelled or malformed; the reply is queued
                }
                // RFC 4616 §2: [authzid] NUL authcid NUL passwd.
                int first = Array.IndexOf(response, (byte)0);
                int second = first < 0 ? -1 : Array.IndexOf(response, (byte)0, first + 1);
                (user, problem) = second > 0 && Array.IndexOf(response, (byte)0, second + 1) < 0
                    ? UserName(response[(first + 1)..second])
                    : (null, "PLAIN takes authzid, user name and password separated by NUL bytes (RFC 4616)");
                break;
            }
            case "LOGIN":
            {
                // The de facto exchange (draft-murchison-sasl-login): "Username:" then "Password:", base64 each way.
                var (name, ended) = await ResponseAsync(initial, "Username:").ConfigureAwait(false);
                if (ended)
                {
                    return false;
                }
                if (name is null)
                {
                    return true;
                }
                (user, problem) = UserName(name);
                if (problem is null)
                {
                    var (password, ended2) = await ResponseAsync(null, "Password:").ConfigureAwait(false);
                    if (ended2)
                    {
                        return false;
                    }
                    if (password is null)
                    {
                        return true;
                    }
                }
                break;
            }
            default:
                // RFC 4954 §4: 504 for a mechanism the server does not support.
                return Error(504, $"5.5.4 Unrecognized authentication type {Printable(mechanism)}: use PLAIN or LOGIN");
        }
        if (problem is not null)
        {
            return Error(501, $"5.5.2 {problem}");
        }
        _user = user;
        Reply(235, "2.7.0 Authentication successful (the capture server accepts any password)");
        return true;
    }

    /// <summary>
    /// One client response in an AUTH exchange: the initial response when the client gave one, else a 334 challenge
    /// and the line that answers it. Null (with the error queued) when the client cancelled with "*" or the line is
    /// not base64; <c>Ended</c> when the client went away.
    /// </summary>
    private async ValueTask<(byte[]? Response, bool Ended)> ResponseAsync(string? initial, string challenge)
    {
        string text;
        if (initial is not null)
        {
            text = initial;
        }
        else
        {
            Reply(334, Convert.ToBase64String(Encoding.ASCII.GetBytes(challenge)));
            var line = await ReadLineAsync(_options.MaxCommandLength, crlfOnly: false).ConfigureAwait(false);
            if (line.Status == LineStatus.EndOfStream)
            {
                return (null, true);
            }
            if (line.Status == LineStatus.TooLong)
            {
                // RFC 4954 §4: 500 5.5.6 for an authentication line that is too long.
                return (null, !Error(500, "5.5.6 Authentication exchange line is too long"));
            }
            text = Encoding.ASCII.GetString(line.Bytes.Span);
        }
        if (text == "*")
        {
            // RFC 4954 §4: the client cancels the exchange.
            return (null, !Error(501, "5.0.0 Authentication cancelled"));
        }
        if (text == "=")
        {
            return ([], false); // RFC 4954 §4: "=" is an empty initial response
        }
        try
        {
            return (Convert.FromBase64String(text), false);
        }
        catch (FormatException)
        {
            return (null, !Error(501, "5.5.2 The response is not valid base64"));
        }
    }

    /// <summary>The user name from its bytes, or why it cannot be recorded.</summary>
    private static (string? User, string? Problem) UserName(byte[] bytes)
    {
        string name;
        try
        {
            name = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return (null, "The user name is not valid UTF-8");
        }
        if (name.Length == 0)
        {
            return (null, "The user name is empty");
        }
        // It is written into the saved file's header block, so no line breaks or other control characters.
        if (name.Any(char.IsControl))
        {
            return (null, "The user name contains control characters");
        }
        return (name, null);
    }
}

/// <summary>A client's TLS handshake with the capture server failed (most often: it does not trust the certificate).</summary>
internal sealed class CaptureTlsException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The handshake's own exception, if any.</param>
    public CaptureTlsException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
