namespace Herald.Engine;

/// <summary>Direction of a protocol trace line (the PITrail event's Direction).</summary>
internal enum TraceDirection
{
    /// <summary>A line the client sent.</summary>
    Client = 0,
    /// <summary>A line the server sent.</summary>
    Server = 1,
    /// <summary>A note from the component itself.</summary>
    Info = 2,
    /// <summary>A line the client sent as data of the command before it (an AUTH continuation), already masked.</summary>
    ClientData = 3,
}

/// <summary>
/// What the engine reports while it works. Each facade implements it and raises its own events; the engine never
/// knows which facade it serves.
/// </summary>
internal interface IEngineEvents
{
    /// <summary>
    /// Where the engine logs (the protocol trace with secrets always masked, the session's facts, failures; see
    /// <see cref="Diagnostics.EngineDiagnostics"/>), or null. Read as the engine goes, so a facade that changes its
    /// logger mid-call is heard at once.
    /// </summary>
    Microsoft.Extensions.Logging.ILogger? Logger => null;

    /// <summary>True when someone listens to <see cref="OnTrace"/> (so the engine can skip formatting reply lines).</summary>
    bool WantsTrace { get; }

    /// <summary>One protocol line (already masked where it carries a secret). Message data is never traced.</summary>
    void OnTrace(TraceDirection direction, string message);

    /// <summary>The connection changed state (connected, TLS handshake complete, disconnected ...).</summary>
    void OnConnectionStatus(string connectionEvent, int statusCode, string description);

    /// <summary>Message data starts to flow.</summary>
    void OnStartTransfer();

    /// <summary>True when someone listens to <see cref="OnTransfer"/> (so the engine can skip building its arguments).</summary>
    bool WantsTransfer { get; }

    /// <summary>A piece of message data was sent.</summary>
    /// <param name="bytesTransferred">Message bytes sent so far, as the source gave them.</param>
    /// <param name="dataSent">The same in the units of <paramref name="dataLength"/> (line ends counted as CRLF).</param>
    /// <param name="dataLength">The message's length as DATA carries it, or -1 when it is not known.</param>
    /// <param name="percentDone">Percent of the message sent, or -1 when the size is unknown.</param>
    /// <param name="chunk">The message bytes just sent (before dot-stuffing).</param>
    void OnTransfer(long bytesTransferred, long dataSent, long dataLength, int percentDone, ReadOnlyMemory<byte> chunk);

    /// <summary>Message data has been sent.</summary>
    void OnEndTransfer();

    /// <summary>A non-fatal error, such as a rejected Bcc recipient.</summary>
    void OnError(int errorCode, string description);

    /// <summary>A TLS progress message.</summary>
    void OnSslStatus(string message);

    /// <summary>
    /// The server's certificate arrived; <paramref name="validation"/> says what validation found,
    /// <paramref name="accept"/> holds the starting decision and the return value is the final one.
    /// </summary>
    bool OnServerCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate,
        Security.Tls.ServerCertificateValidation validation, bool accept);

    /// <summary>
    /// Authentication is about to start: the facade may change the credentials or the mechanism list.
    /// </summary>
    /// <param name="auth">The authentication options of the call.</param>
    /// <param name="serverMechanisms">The mechanisms the server offers in its EHLO reply.</param>
    /// <returns>The options to authenticate with (the same object when nothing changes).</returns>
    AuthOptions OnBeforeAuth(AuthOptions auth, IReadOnlyCollection<string> serverMechanisms);
}
