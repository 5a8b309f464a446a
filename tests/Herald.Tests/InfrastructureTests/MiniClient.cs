using Herald.Engine;
using Herald.Protocol;
using Herald.Transport;

namespace Herald.Tests.InfrastructureTests;

/// <summary>
/// A stand-in for the engine in these tests: it opens the transport through <see cref="EngineOptions.TransportFactory"/>
/// and talks through <see cref="SmtpConnection"/>, written once over <typeparamref name="TIO"/> the way the engine is.
/// </summary>
internal static class MiniClient
{
    /// <summary>Reads the greeting, then sends each command and reads its reply; closes the connection at the end.</summary>
    public static async ValueTask<List<SmtpReply>> ExchangeAsync<TIO>(TIO io, EngineOptions settings, params string[] commands)
        where TIO : struct, ISmtpIO
    {
        using var guard = new OperationGuard(settings.Timeout, absolute: false, CancellationToken.None);
        var opened = await settings.TransportFactory!.OpenAsync(io, settings.Connect, guard, _ => { }).ConfigureAwait(false);
        using var connection = new SmtpConnection(opened.Stream, opened.Socket, settings.MaxLineLength);
        var replies = new List<SmtpReply> { await connection.ReadReplyAsync(io, guard).ConfigureAwait(false) };
        foreach (var command in commands)
        {
            connection.QueueLine(command);
            await connection.FlushAsync(io, guard).ConfigureAwait(false);
            replies.Add(await connection.ReadReplyAsync(io, guard).ConfigureAwait(false));
        }
        return replies;
    }

    /// <summary>Runs <see cref="ExchangeAsync"/> with the adapter the mode asks for.</summary>
    public static Task<List<SmtpReply>> Exchange(EngineOptions settings, bool isAsync, params string[] commands) =>
        isAsync
            ? ExchangeAsync(new AsyncIO(), settings, commands).AsTask()
            : ExchangeAsync(new SyncIO(), settings, commands).AsTask();
}
