namespace Herald.Diagnostics;

/// <summary>
/// The names under which Herald reports to <c>System.Diagnostics</c>: a <see cref="System.Diagnostics.Metrics.Meter"/>
/// and an <see cref="System.Diagnostics.ActivitySource"/>, both called <c>"Herald"</c>, shared by every component and
/// pool in the process. Subscribe to them by name (OpenTelemetry: <c>AddMeter(HeraldTelemetry.MeterName)</c>,
/// <c>AddSource(HeraldTelemetry.ActivitySourceName)</c>); while nothing listens they cost nothing.
/// </summary>
/// <remarks>
/// <para>Instruments (every one tagged <c>server.address</c> and <c>server.port</c>, the server as configured):</para>
/// <list type="table">
/// <item><term><c>herald.smtp.messages.sent</c></term><description>counter, <c>{message}</c>: messages the server
/// accepted (a 2xx reply to the end of their data).</description></item>
/// <item><term><c>herald.smtp.recipients.accepted</c></term><description>counter, <c>{recipient}</c>: RCPT TO
/// commands the server accepted.</description></item>
/// <item><term><c>herald.smtp.recipients.rejected</c></term><description>counter, <c>{recipient}</c>: RCPT TO
/// commands the server refused; <c>smtp.reply_class</c> is <c>4xx</c> or <c>5xx</c>.</description></item>
/// <item><term><c>herald.smtp.bytes.sent</c></term><description>counter, <c>By</c>: bytes written to the server
/// (commands and message data, dot-stuffed; before TLS).</description></item>
/// <item><term><c>herald.smtp.failures</c></term><description>counter, <c>{failure}</c>: connections and mail
/// transactions that failed; <c>smtp.operation</c> is <c>connect</c> or <c>send</c>, <c>error.type</c> says why
/// (see below), and <c>smtp.reply_class</c> is <c>4xx</c> or <c>5xx</c> when a reply decided it.</description></item>
/// <item><term><c>herald.smtp.send.duration</c></term><description>histogram, <c>s</c>: one mail transaction, from
/// its first command to the final reply; <c>smtp.reply_class</c> when a reply ended it, <c>error.type</c> when it
/// failed.</description></item>
/// <item><term><c>herald.smtp.connect.duration</c></term><description>histogram, <c>s</c>: opening a session, from
/// the TCP connection (through a proxy when there is one) to the end of authentication; <c>error.type</c> when it
/// failed.</description></item>
/// </list>
/// <para>Activities (<see cref="System.Diagnostics.ActivityKind.Client"/>): <c>smtp connect</c> for each session
/// opened and <c>smtp send</c> for each mail transaction, with the OpenTelemetry attributes <c>server.address</c>,
/// <c>server.port</c>, <c>network.protocol.name</c> (<c>smtp</c>), <c>network.peer.address</c>, <c>error.type</c>
/// and, once TLS is up, <c>tls.established</c>, <c>tls.protocol.name</c>, <c>tls.protocol.version</c>,
/// <c>tls.cipher</c>, <c>tls.server.subject</c>, <c>tls.server.issuer</c>, <c>tls.server.not_after</c>; and
/// Herald's own <c>smtp.auth.mechanism</c> (connect), <c>smtp.recipients</c>, <c>smtp.recipients.accepted</c>,
/// <c>smtp.recipients.rejected</c>, <c>smtp.message.size</c> (when known beforehand), <c>smtp.reply_code</c>,
/// <c>smtp.enhanced_status_code</c> and <c>smtp.queue_id</c> (send). A send started by
/// <see cref="SmtpPool"/> is a child of the activity that was current when the message was handed to the pool.</para>
/// <para><c>error.type</c> is the reply code when a server reply caused the failure (<c>"550"</c>), otherwise one of
/// <c>timeout</c>, <c>interrupted</c>, <c>canceled</c>, <c>tls</c>, <c>proxy</c>, <c>connection</c>,
/// <c>connection_refused</c>, <c>host_not_found</c>, <c>unsupported</c>, <c>invalid_argument</c>,
/// <c>may_have_been_delivered</c> (the end of the data went out and no reply came), or the full name of the exception
/// type.</para>
/// </remarks>
public static class HeraldTelemetry
{
    /// <summary>The name of Herald's meter: <c>"Herald"</c>.</summary>
    public const string MeterName = "Herald";

    /// <summary>The name of Herald's activity source: <c>"Herald"</c>.</summary>
    public const string ActivitySourceName = "Herald";
}
