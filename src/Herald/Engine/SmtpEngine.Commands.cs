using System.Net.Sockets;
using Herald.Protocol;
using Herald.Transport;

namespace Herald.Engine;

internal sealed partial class SmtpEngine
{
    /// <summary>Sends a command line exactly as given and returns the reply (SendCommand).</summary>
    /// <exception cref="SmtpException">The server answered 4xx/5xx (161; LastReply holds the reply), or I/O failed.</exception>
    public async ValueTask<SmtpReply> RawCommandAsync<TIO>(TIO io, OperationGuard guard, string command) where TIO : struct, ISmtpIO
    {
        LineValidation.EnsureSingleLine(command, "The command");
        guard.SetAbortAction(Connection.Abort);
        _step = "waiting for the reply to {0}";
        _stepCommand = TraceForm(command); // masked: an error message must not carry an AUTH payload
        var reply = await CommandAsync(io, guard, command, MaskedForm(command)).ConfigureAwait(false);
        _step = "";
        if (reply.Code >= 400)
        {
            throw ReplyError(reply, $"The server rejected \"{Verb(TraceForm(command))}\"");
        }
        return reply;
    }

    /// <summary>VRFY (RFC 5321 §3.5): 250/251 the address is known, 252 the server will not say but will try.</summary>
    public async ValueTask<SmtpReply> VerifyAsync<TIO>(TIO io, OperationGuard guard, string address) where TIO : struct, ISmtpIO
    {
        guard.SetAbortAction(Connection.Abort);
        _step = "waiting for the reply to VRFY";
        var reply = await CommandAsync(io, guard, SmtpCommands.Vrfy(Utf8Argument(address))).ConfigureAwait(false);
        _step = "";
        if (!reply.IsSuccess)
        {
            throw ReplyError(reply, $"The server could not verify \"{address}\"");
        }
        return reply;
    }

    /// <summary>EXPN (RFC 5321 §3.5): each line of the 250 reply names one member of the list.</summary>
    public async ValueTask<IReadOnlyList<string>> ExpandAsync<TIO>(TIO io, OperationGuard guard, string list) where TIO : struct, ISmtpIO
    {
        guard.SetAbortAction(Connection.Abort);
        _step = "waiting for the reply to EXPN";
        var reply = await CommandAsync(io, guard, SmtpCommands.Expn(Utf8Argument(list))).ConfigureAwait(false);
        _step = "";
        if (!reply.IsSuccess)
        {
            throw ReplyError(reply, $"The server could not expand \"{list}\"");
        }
        var members = new List<string>(reply.Lines.Count);
        foreach (var line in reply.Lines)
        {
            var text = line.AsSpan();
            if (reply.EnhancedCode is not null && EnhancedStatusCode.TryParse(text, out _, out int len))
            {
                text = text[len..];
            }
            text = text.Trim();
            if (text.Length > 0)
            {
                members.Add(text.ToString());
            }
        }
        return members;
    }

    /// <summary>
    /// Looks for anything the server sent on its own while the session was idle (for example a 421 before it times
    /// the session out, or the connection closing), waiting at most <paramref name="wait"/>. Used by DoEvents.
    /// </summary>
    /// <returns>The unsolicited reply, or null.</returns>
    public SmtpReply? Poll(OperationGuard guard, TimeSpan wait)
    {
        var connection = _connection;
        if (connection is null || connection.IsBroken)
        {
            return null;
        }
        var socket = connection.Socket;
        try
        {
            if (!connection.HasBufferedInput && (socket is null || !socket.Poll(wait, SelectMode.SelectRead)))
            {
                return null;
            }
            guard.SetAbortAction(connection.Abort);
            var task = ReadReplyAsync(new SyncIO(), guard);
            System.Diagnostics.Debug.Assert(task.IsCompleted, "SyncIO completes synchronously");
            var reply = task.GetAwaiter().GetResult();
            Info($"The server sent an unsolicited reply: {reply}");
            if (reply.Code == 421)
            {
                CloseConnection();
            }
            return reply;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or ConnectionClosedException
                                      or SmtpProtocolException)
        {
            Info($"The connection to the server was lost: {e.Message}");
            CloseConnection();
            return null;
        }
    }

    /// <summary>The form of a raw command shown in the trace: AUTH payloads are masked.</summary>
    private string TraceForm(string command) => Options.MaskSecrets ? MaskedForm(command) ?? command : command;

    /// <summary>A raw command with its AUTH payload masked, or null when it carries none.</summary>
    private static string? MaskedForm(string command)
    {
        if (!command.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        int second = command.IndexOf(' ', 5);
        return second < 0 ? null : command[..second] + " ****";
    }

    /// <summary>VRFY/EXPN arguments with non-ASCII need the SMTPUTF8 parameter (RFC 6531 §3.7.4.2).</summary>
    private string Utf8Argument(string argument) =>
        LineValidation.IsAscii(argument) || !Capabilities.SmtpUtf8 ? argument : argument + " SMTPUTF8";
}
