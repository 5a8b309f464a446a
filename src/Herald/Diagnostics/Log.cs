using Microsoft.Extensions.Logging;

namespace Herald.Diagnostics;

/// <summary>
/// Herald's log messages, compiled by the logging source generator: each checks <see cref="ILogger.IsEnabled"/> before
/// it builds anything, and its fields reach structured sinks by name. Event ids are stable: 1-9 the protocol trace,
/// 10-19 the session, 20-29 the mail transaction.
/// </summary>
/// <remarks>
/// The trace lines keep the text of the protocol trace (<c>C: ...</c>, <c>S: ...</c>), so a logged session can be
/// pasted into a transcript test; their server, port, command and reply codes travel as fields beside the text, which
/// the generator reports as unreferenced (SYSLIB1015) and is told not to. Such a field takes its parameter's name as
/// it is spelt, so those parameters are spelt like the template's fields (<c>Server</c>, not <c>server</c>).
/// </remarks>
internal static partial class Log
{
#pragma warning disable SYSLIB1015 // fields for structured sinks that the text would only repeat
#pragma warning disable IDE1006 // spelt as the field names (see above)
    [LoggerMessage(EventId = 1, EventName = "SmtpCommand", Level = LogLevel.Trace, Message = "C: {Line}", SkipEnabledCheck = true)]
    public static partial void ClientLine(ILogger logger, string line, string Server, int Port, string Command);

    [LoggerMessage(EventId = 2, EventName = "SmtpReply", Level = LogLevel.Trace, Message = "S: {Line}", SkipEnabledCheck = true)]
    public static partial void ServerLine(ILogger logger, string line, string Server, int Port, int ReplyCode, string EnhancedCode);

    [LoggerMessage(EventId = 3, EventName = "SmtpNote", Level = LogLevel.Debug, Message = "* {Note}", SkipEnabledCheck = true)]
    public static partial void Note(ILogger logger, string note, string Server, int Port);

    [LoggerMessage(EventId = 21, EventName = "SmtpRecipientRejected", Level = LogLevel.Warning,
        Message = "{Server}:{Port} rejected the recipient {Recipient}: {Reply}", SkipEnabledCheck = true)]
    public static partial void RecipientRejected(ILogger logger, string server, int port, string recipient, string reply, int ReplyCode,
        string EnhancedCode);

    [LoggerMessage(EventId = 22, EventName = "SmtpMessageFailed",
        Message = "The message was not accepted by {Server}:{Port} ({ErrorType}): {Error}", SkipEnabledCheck = true)]
    public static partial void MessageFailed(ILogger logger, LogLevel level, string server, int port, string errorType, string error,
        int ReplyCode, string EnhancedCode, int AcceptedCount, int RecipientCount);
#pragma warning restore IDE1006
#pragma warning restore SYSLIB1015

    [LoggerMessage(EventId = 10, EventName = "SmtpConnected", Level = LogLevel.Information,
        Message = "Connected to {Server}:{Port} at {RemoteAddress} from {LocalAddress}:{LocalPort}", SkipEnabledCheck = true)]
    public static partial void Connected(ILogger logger, string server, int port, string remoteAddress, string localAddress, int localPort);

    [LoggerMessage(EventId = 11, EventName = "SmtpConnectedThroughProxy", Level = LogLevel.Information,
        Message = "Connected to {Server}:{Port} through the {ProxyProtocol} proxy {Proxy} from {LocalAddress}:{LocalPort}",
        SkipEnabledCheck = true)]
    public static partial void ConnectedThroughProxy(ILogger logger, string server, int port, string proxyProtocol, string proxy,
        string localAddress, int localPort);

    [LoggerMessage(EventId = 12, EventName = "SmtpTlsEstablished", Level = LogLevel.Information,
        Message = "TLS {TlsVersion} with {Server}:{Port}, {CipherSuite}; certificate {CertificateSubject} issued by " +
                  "{CertificateIssuer}, valid until {CertificateNotAfter:yyyy-MM-dd}", SkipEnabledCheck = true)]
    public static partial void TlsEstablished(ILogger logger, string tlsVersion, string server, int port, string cipherSuite,
        string certificateSubject, string certificateIssuer, DateTime certificateNotAfter);

    [LoggerMessage(EventId = 13, EventName = "SmtpAuthenticated", Level = LogLevel.Information,
        Message = "Authenticated to {Server}:{Port} as {User} with {Mechanism}", SkipEnabledCheck = true)]
    public static partial void Authenticated(ILogger logger, string server, int port, string user, string mechanism);

    [LoggerMessage(EventId = 14, EventName = "SmtpDisconnected", Level = LogLevel.Debug,
        Message = "Disconnected from {Server}:{Port} after sending {BytesSent} bytes", SkipEnabledCheck = true)]
    public static partial void Disconnected(ILogger logger, string server, int port, long bytesSent);

    [LoggerMessage(EventId = 15, EventName = "SmtpConnectFailed", Level = LogLevel.Error,
        Message = "Could not open a session with {Server}:{Port} ({ErrorType}): {Error}", SkipEnabledCheck = true)]
    public static partial void ConnectFailed(ILogger logger, string server, int port, string errorType, string error, Exception exception);

    [LoggerMessage(EventId = 20, EventName = "SmtpMessageAccepted", Level = LogLevel.Information,
        Message = "{Server}:{Port} accepted the message for {AcceptedCount} of {RecipientCount} recipients: {ReplyCode} " +
                  "{EnhancedCode}, queue id {QueueId}", SkipEnabledCheck = true)]
    public static partial void MessageAccepted(ILogger logger, string server, int port, int acceptedCount, int recipientCount,
        int replyCode, string enhancedCode, string queueId);
}
