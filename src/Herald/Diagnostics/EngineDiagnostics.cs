using System.Diagnostics;
using System.Globalization;
using System.Security.Authentication;
using Herald.Engine;
using Herald.Protocol;
using Herald.Security.Tls;
using Herald.Transport;
using Herald.Transport.Proxies;
using Microsoft.Extensions.Logging;

namespace Herald.Diagnostics;

/// <summary>
/// What telemetry keeps about one mail transaction while it runs. It is made only when a listener wants a duration or
/// an activity; otherwise the transaction carries <see cref="Untracked"/>, shared and never changed, so that a send
/// nobody observes allocates nothing for it.
/// </summary>
internal sealed class MessageTelemetry
{
    /// <summary>The stand-in for a transaction that started while nothing listened.</summary>
    public static readonly MessageTelemetry Untracked = new();

    /// <summary>When it started (a <see cref="Stopwatch"/> timestamp); 0 for <see cref="Untracked"/>.</summary>
    public long Started;

    /// <summary>Its activity, when someone listens to the source.</summary>
    public Activity? Activity;

    /// <summary>Recipients refused so far (for the activity).</summary>
    public int Rejected;

    /// <summary>Why the session failed under it, when it did (the reason is known only where the failure is caught).</summary>
    public string? ErrorType;

    /// <summary>False for <see cref="Untracked"/>.</summary>
    public bool IsTracked => !ReferenceEquals(this, Untracked);
}

/// <summary>
/// Everything one engine reports to its facade's logger (<see cref="IEngineEvents.Logger"/>), to the Herald
/// meter and to the Herald activity source. The engine calls it at each step; it looks at what is attached before it
/// builds anything, so with no logger and no listener a call is a few field reads and allocates nothing.
/// </summary>
/// <remarks>
/// Whatever reaches the logger is masked: command lines come already masked from the engine (always, whatever
/// <see cref="EngineOptions.MaskSecrets"/> says for the facade's own trace), and exception messages never carry a
/// password. An activity for a pipelined message is never made current, since the messages of a pipeline overlap.
/// </remarks>
internal sealed class EngineDiagnostics(SmtpEngine engine, IEngineEvents events)
{
    private long _bytesReported;                                   // of the connection's BytesSent, already counted
    private long _connectStarted;                                  // Stopwatch timestamp of the running connect
    private Activity? _connect;                                    // the running connect's activity
    private MessageTelemetry _message = MessageTelemetry.Untracked; // the running transaction of SendMailAsync

    private ILogger? Logger => events.Logger;

    private string Server => engine.Options.Connect.Host;

    private int Port => engine.Options.Connect.Port;

    // ---- the protocol trace ----

    /// <summary>A command line the client sent, in its masked form.</summary>
    public void Command(string maskedLine)
    {
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Trace))
        {
            Log.ClientLine(logger, maskedLine, Server, Port, CommandVerb(maskedLine));
        }
    }

    /// <summary>A reply, one trace line per reply line.</summary>
    public void Reply(SmtpReply reply)
    {
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Trace))
        {
            string enhanced = reply.EnhancedCode?.ToString() ?? "";
            for (int i = 0; i < reply.Lines.Count; i++)
            {
                Log.ServerLine(logger, reply.FormatLine(i), Server, Port, reply.Code, enhanced);
            }
        }
    }

    /// <summary>A note of the engine's own (the trace's "*" lines).</summary>
    public void Note(string note)
    {
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Debug))
        {
            Log.Note(logger, note, Server, Port);
        }
    }

    // ---- the session ----

    /// <summary>Connecting starts.</summary>
    public void ConnectStarting()
    {
        _connectStarted = Stopwatch.GetTimestamp();
        _connect = Telemetry.Source.StartActivity(Telemetry.ConnectActivity, ActivityKind.Client);
        if (_connect is { IsAllDataRequested: true } activity)
        {
            AddServerTags(activity);
        }
    }

    /// <summary>The transport is open (directly, or through <paramref name="proxy"/>).</summary>
    public void Connected(string remoteAddress, string localAddress, int localPort, ProxySettings? proxy)
    {
        _bytesReported = 0;
        if (_connect is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(Telemetry.NetworkPeerAddress, remoteAddress);
        }
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Information))
        {
            if (proxy is null)
            {
                Log.Connected(logger, Server, Port, remoteAddress, localAddress, localPort);
            }
            else
            {
                Log.ConnectedThroughProxy(logger, Server, Port, proxy.ProtocolName, proxy.Endpoint, localAddress, localPort);
            }
        }
    }

    /// <summary>The TLS handshake completed.</summary>
    public void TlsEstablished(TlsSession session)
    {
        if (_connect is { IsAllDataRequested: true } activity)
        {
            var certificate = session.ServerCertificate;
            activity.SetTag(Telemetry.TlsEstablished, true);
            activity.SetTag(Telemetry.TlsProtocolName, "tls");
            activity.SetTag(Telemetry.TlsProtocolVersion, TlsVersion(session.Protocol));
            activity.SetTag(Telemetry.TlsCipher, session.CipherSuite);
            activity.SetTag(Telemetry.TlsServerSubject, certificate.Subject);
            activity.SetTag(Telemetry.TlsServerIssuer, certificate.Issuer);
            activity.SetTag(Telemetry.TlsServerNotAfter,
                certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        }
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Information))
        {
            var certificate = session.ServerCertificate;
            Log.TlsEstablished(logger, TlsVersion(session.Protocol), Server, Port, session.CipherSuite, certificate.Subject,
                certificate.Issuer, certificate.NotAfter.ToUniversalTime());
        }
    }

    /// <summary>Authentication succeeded.</summary>
    public void Authenticated(string user, string mechanism)
    {
        if (_connect is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(Telemetry.AuthMechanism, mechanism);
        }
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Information))
        {
            Log.Authenticated(logger, Server, Port, user, mechanism);
        }
    }

    /// <summary>The session is open.</summary>
    public void ConnectSucceeded()
    {
        if (Telemetry.ConnectDuration.Enabled)
        {
            Telemetry.ConnectDuration.Record(Stopwatch.GetElapsedTime(_connectStarted).TotalSeconds, ServerTags());
        }
        _connect?.Stop();
        _connect = null;
    }

    /// <summary>The session could not be opened; <paramref name="error"/> is the exception the caller gets.</summary>
    public void ConnectFailed(Exception error)
    {
        var reply = (error as SmtpException)?.Reply;
        string? type = null;
        if (Telemetry.ConnectDuration.Enabled)
        {
            var tags = ServerTags();
            tags.Add(Telemetry.ErrorType, type ??= ErrorType(error, StopReason.None));
            Telemetry.ConnectDuration.Record(Stopwatch.GetElapsedTime(_connectStarted).TotalSeconds, tags);
        }
        if (Telemetry.Failures.Enabled)
        {
            Telemetry.Failures.Add(1, FailureTags("connect", type ??= ErrorType(error, StopReason.None), reply));
        }
        if (_connect is { } activity)
        {
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(Telemetry.ErrorType, type ??= ErrorType(error, StopReason.None));
                AddReplyTags(activity, reply);
            }
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            activity.Stop();
            _connect = null;
        }
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Error))
        {
            Log.ConnectFailed(logger, Server, Port, type ?? ErrorType(error, StopReason.None), error.Message, error);
        }
    }

    /// <summary>The connection closed, having sent <paramref name="bytesSent"/> bytes in all.</summary>
    public void ConnectionClosed(long bytesSent)
    {
        ReportBytes(bytesSent);
        _bytesReported = 0;
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Debug))
        {
            Log.Disconnected(logger, Server, Port, bytesSent);
        }
    }

    // ---- the mail transaction ----

    /// <summary>A transaction of <see cref="SmtpEngine.SendMailAsync"/> starts (one at a time per engine).</summary>
    public void MessageStarting(Envelope envelope, MessageSource message) =>
        _message = Start(envelope, message, parent: null, overlapping: false);

    /// <summary>The server accepted the message of <see cref="SmtpEngine.SendMailAsync"/>.</summary>
    public void MessageAccepted(SmtpReply final, int recipients, int accepted)
    {
        var telemetry = _message;
        _message = MessageTelemetry.Untracked;
        Accepted(telemetry, final, recipients, accepted);
    }

    /// <summary>The transaction of <see cref="SmtpEngine.SendMailAsync"/> failed with <paramref name="error"/>.</summary>
    public void MessageFailed(Exception error, StopReason stop, int recipients, int accepted)
    {
        var telemetry = _message;
        _message = MessageTelemetry.Untracked;
        Failed(telemetry, null, error, stop, recipients, accepted);
    }

    /// <summary>
    /// A pipelined transaction starts (<see cref="SmtpEngine.SendPipelinedAsync"/>): its activity is a child of
    /// <paramref name="parent"/> (or, without one, a root) and never becomes the current activity, since the messages of
    /// a pipeline overlap.
    /// </summary>
    public MessageTelemetry JobStarting(Envelope envelope, MessageSource message, Activity? parent) =>
        Start(envelope, message, parent, overlapping: true);

    /// <summary>The server answered a RCPT TO (for a transaction it had not already refused).</summary>
    public void RecipientReplied(EnvelopeRecipient recipient, SmtpReply reply)
    {
        if (reply.IsSuccess)
        {
            if (Telemetry.RecipientsAccepted.Enabled)
            {
                Telemetry.RecipientsAccepted.Add(1, ServerTags());
            }
            return;
        }
        if (_message.IsTracked)
        {
            _message.Rejected++;
        }
        if (Telemetry.RecipientsRejected.Enabled)
        {
            var tags = ServerTags();
            tags.Add(Telemetry.ReplyClass, ReplyClass(reply.Code));
            Telemetry.RecipientsRejected.Add(1, tags);
        }
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Warning))
        {
            Log.RecipientRejected(logger, Server, Port, recipient.Address, reply.ToString(), reply.Code,
                reply.EnhancedCode?.ToString() ?? "");
        }
    }

    /// <summary>A pipelined job ended: reported by its outcome (nothing when it was refused before it started).</summary>
    public void JobFinished(MailJob job)
    {
        if (job.Telemetry is not { } telemetry)
        {
            return;
        }
        int accepted = 0;
        int rejected = 0;
        bool mailAccepted = job.MailReply is { IsSuccess: true };
        foreach (var reply in job.RecipientReplies)
        {
            if (reply is { IsSuccess: true })
            {
                accepted++;
            }
            else if (reply is not null && mailAccepted)
            {
                rejected++;
            }
        }
        if (telemetry.IsTracked)
        {
            telemetry.Rejected = rejected;
        }
        int recipients = job.Envelope.Recipients.Count;
        if (job.Outcome == JobOutcome.Delivered && job.FinalReply is { } final)
        {
            Accepted(telemetry, final, recipients, accepted);
            return;
        }
        Failed(telemetry, job.Failure is null ? job.FinalReply : null, job.Failure, StopReason.None, recipients, accepted,
            job.Outcome == JobOutcome.Uncertain ? "may_have_been_delivered" : null);
    }

    private MessageTelemetry Start(Envelope envelope, MessageSource message, Activity? parent, bool overlapping)
    {
        bool listened = Telemetry.Source.HasListeners();
        if (!listened && !Telemetry.SendDuration.Enabled)
        {
            return MessageTelemetry.Untracked;
        }
        var telemetry = new MessageTelemetry { Started = Stopwatch.GetTimestamp() };
        if (!listened)
        {
            return telemetry;
        }
        var current = Activity.Current;
        // A pipelined message without a parent of its own is a root, not a child of whatever is current.
        var activity = overlapping
            ? Telemetry.Source.StartActivity(Telemetry.SendActivity, ActivityKind.Client, parent?.Context ?? default(ActivityContext))
            : Telemetry.Source.StartActivity(Telemetry.SendActivity, ActivityKind.Client);
        if (overlapping)
        {
            Activity.Current = current;
        }
        if (activity is { IsAllDataRequested: true })
        {
            AddServerTags(activity);
            activity.SetTag(Telemetry.Recipients, envelope.Recipients.Count);
            if (message.Length >= 0)
            {
                activity.SetTag(Telemetry.MessageSize, message.Length);
            }
        }
        telemetry.Activity = activity;
        return telemetry;
    }

    private void Accepted(MessageTelemetry telemetry, SmtpReply final, int recipients, int accepted)
    {
        ReportBytes(engine.BytesSent);
        if (Telemetry.MessagesSent.Enabled)
        {
            Telemetry.MessagesSent.Add(1, ServerTags());
        }
        if (telemetry.IsTracked && Telemetry.SendDuration.Enabled)
        {
            var tags = ServerTags();
            tags.Add(Telemetry.ReplyClass, ReplyClass(final.Code));
            Telemetry.SendDuration.Record(Stopwatch.GetElapsedTime(telemetry.Started).TotalSeconds, tags);
        }
        string? queueId = null;
        if (telemetry.Activity is { } activity)
        {
            if (activity.IsAllDataRequested)
            {
                AddCounts(activity, accepted, telemetry.Rejected);
                AddReplyTags(activity, final);
                queueId = DeliveryResult.ParseQueueId(final.ToString());
                if (queueId.Length > 0)
                {
                    activity.SetTag(Telemetry.QueueId, queueId);
                }
            }
            activity.Stop();
            telemetry.Activity = null;
        }
        if (Logger is { } logger && logger.IsEnabled(LogLevel.Information))
        {
            Log.MessageAccepted(logger, Server, Port, accepted, recipients, final.Code, final.EnhancedCode?.ToString() ?? "",
                queueId ?? DeliveryResult.ParseQueueId(final.ToString()));
        }
    }

    /// <summary>
    /// A transaction failed: <paramref name="reply"/> is the refusal that ended it, or <paramref name="error"/> the
    /// failure (with <paramref name="stop"/>, why the call was stopped, when it was).
    /// </summary>
    private void Failed(MessageTelemetry telemetry, SmtpReply? reply, Exception? error, StopReason stop, int recipients, int accepted,
        string? errorType = null)
    {
        reply ??= (error as SmtpException)?.Reply;
        string type = errorType ?? telemetry.ErrorType
            ?? (error is not null ? ErrorType(error, stop) : reply is not null ? ReplyCodeText(reply.Code) : "_OTHER");
        ReportBytes(engine.BytesSent);
        if (telemetry.IsTracked && Telemetry.SendDuration.Enabled)
        {
            var tags = ServerTags();
            if (reply is not null)
            {
                tags.Add(Telemetry.ReplyClass, ReplyClass(reply.Code));
            }
            tags.Add(Telemetry.ErrorType, type);
            Telemetry.SendDuration.Record(Stopwatch.GetElapsedTime(telemetry.Started).TotalSeconds, tags);
        }
        if (Telemetry.Failures.Enabled)
        {
            Telemetry.Failures.Add(1, FailureTags("send", type, reply));
        }
        if (telemetry.Activity is { } activity)
        {
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(Telemetry.ErrorType, type);
                AddCounts(activity, accepted, telemetry.Rejected);
                AddReplyTags(activity, reply);
            }
            activity.SetStatus(ActivityStatusCode.Error, error?.Message ?? reply?.ToString());
            activity.Stop();
            telemetry.Activity = null;
        }
        if (Logger is { } logger)
        {
            // A transient refusal will most likely pass on a later attempt; anything else needs someone to look.
            var level = reply is { IsTransientFailure: true } && stop == StopReason.None ? LogLevel.Warning : LogLevel.Error;
            if (logger.IsEnabled(level))
            {
                Log.MessageFailed(logger, level, Server, Port, type, error?.Message ?? reply?.ToString() ?? "", reply?.Code ?? 0,
                    reply?.EnhancedCode?.ToString() ?? "", accepted, recipients);
            }
        }
    }

    // ---- helpers ----

    /// <summary>
    /// The <c>error.type</c> of a failure: the guard's reason when it stopped the call, the reply code when a reply
    /// caused it, a short word for Herald's own failures, else the exception's type name.
    /// </summary>
    public static string ErrorType(Exception error, StopReason stop) => stop switch
    {
        StopReason.Timeout => "timeout",
        StopReason.Interrupted => "interrupted",
        StopReason.Cancelled => "canceled",
        _ => error switch
        {
            SmtpException { Reply: { } reply } => ReplyCodeText(reply.Code),
            SmtpException e => e.Code switch
            {
                SmtpErrorCodes.Timeout => "timeout",
                SmtpErrorCodes.Interrupted => "interrupted",
                SmtpErrorCodes.TlsHandshakeError or SmtpErrorCodes.CertVerificationError => "tls",
                SmtpErrorCodes.FirewallError => "proxy",
                SmtpErrorCodes.CommunicationError or SmtpErrorCodes.ConnectionDropped => "connection",
                SmtpErrorCodes.ConnectionRefused => "connection_refused",
                SmtpErrorCodes.HostNotFound => "host_not_found",
                SmtpErrorCodes.ConnectionTimedOut => "timeout",
                SmtpErrorCodes.NotSupported => "unsupported",
                SmtpErrorCodes.InvalidArgument => "invalid_argument",
                _ => "Herald.SmtpException",
            },
            OperationCanceledException => "canceled",
            AuthenticationException => "tls",
            SmtpProtocolException or ConnectionClosedException or IOException or System.Net.Sockets.SocketException => "connection",
            _ => error.GetType().FullName ?? "_OTHER",
        },
    };

    private void ReportBytes(long bytesSent)
    {
        long delta = bytesSent - _bytesReported;
        if (delta <= 0)
        {
            return;
        }
        _bytesReported = bytesSent;
        if (Telemetry.BytesSent.Enabled)
        {
            Telemetry.BytesSent.Add(delta, ServerTags());
        }
    }

    private TagList ServerTags() => new()
    {
        { Telemetry.ServerAddress, Server },
        { Telemetry.ServerPort, Port },
    };

    private TagList FailureTags(string operation, string errorType, SmtpReply? reply)
    {
        var tags = ServerTags();
        tags.Add(Telemetry.Operation, operation);
        tags.Add(Telemetry.ErrorType, errorType);
        if (reply is not null)
        {
            tags.Add(Telemetry.ReplyClass, ReplyClass(reply.Code));
        }
        return tags;
    }

    private void AddServerTags(Activity activity)
    {
        activity.SetTag(Telemetry.ServerAddress, Server);
        activity.SetTag(Telemetry.ServerPort, Port);
        activity.SetTag(Telemetry.NetworkProtocolName, "smtp");
    }

    private static void AddCounts(Activity activity, int accepted, int rejected)
    {
        activity.SetTag(Telemetry.RecipientsAcceptedCount, accepted);
        activity.SetTag(Telemetry.RecipientsRejectedCount, rejected);
    }

    private static void AddReplyTags(Activity activity, SmtpReply? reply)
    {
        if (reply is null)
        {
            return;
        }
        activity.SetTag(Telemetry.ReplyCode, reply.Code);
        if (reply.EnhancedCode is { } enhanced)
        {
            activity.SetTag(Telemetry.EnhancedStatusCode, enhanced.ToString());
        }
    }

    private static string ReplyClass(int code) => code switch
    {
        >= 200 and < 300 => "2xx",
        >= 300 and < 400 => "3xx",
        >= 400 and < 500 => "4xx",
        _ => "5xx",
    };

    private static string ReplyCodeText(int code) => code.ToString(CultureInfo.InvariantCulture);

    /// <summary>OpenTelemetry's form of the version: "1.3", "1.2", ...</summary>
    private static string TlsVersion(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "1.3",
        SslProtocols.Tls12 => "1.2",
#pragma warning disable SYSLIB0039 // naming an old version to report it is not using it
        SslProtocols.Tls11 => "1.1",
        SslProtocols.Tls => "1.0",
#pragma warning restore SYSLIB0039
        _ => protocol.ToString(),
    };

    // The verbs a trace line can start with, so the command field costs no substring.
    private static readonly string[] s_verbs =
        ["MAIL", "RCPT", "DATA", "BDAT", "RSET", "EHLO", "HELO", "AUTH", "STARTTLS", "QUIT", "NOOP", "VRFY", "EXPN", "HELP", "ETRN",
         "SAML", "SEND", "SOML"];

    private static string CommandVerb(string line)
    {
        foreach (string verb in s_verbs)
        {
            if (line.StartsWith(verb, StringComparison.OrdinalIgnoreCase) && (line.Length == verb.Length || line[verb.Length] is ' ' or ':'))
            {
                return verb;
            }
        }
        return ""; // an AUTH exchange line, or a command Herald has no name for
    }
}
