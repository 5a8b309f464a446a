using Herald.Engine;
using Herald.Transport;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// Hands the engine a <see cref="ReplayStream"/> instead of a socket (set it as
/// <see cref="EngineOptions.TransportFactory"/>). Each connection the engine opens gets the transcript's next
/// connection; opening more connections than the transcript has, or opening with the wrong kind of I/O for the
/// mode, fails the test.
/// </summary>
internal sealed class ReplayTransportFactory : ITransportFactory
{
    private readonly object _gate = new();
    private readonly List<ReplayStream> _streams = [];
    private TranscriptException? _failure;

    /// <summary>Creates a factory for <paramref name="transcript"/> played in <paramref name="mode"/>.</summary>
    public ReplayTransportFactory(Transcript transcript, ReplayMode mode)
    {
        Transcript = transcript;
        Mode = mode;
    }

    /// <summary>The transcript being played.</summary>
    public Transcript Transcript { get; }

    /// <summary>The mode every stream enforces.</summary>
    public ReplayMode Mode { get; }

    /// <summary>The address reported as the server's (the engine may treat loopback specially).</summary>
    public string RemoteAddress { get; set; } = "127.0.0.1";

    /// <summary>The local address reported for the connection.</summary>
    public string LocalAddress { get; set; } = "127.0.0.1";

    /// <summary>The local port reported for the connection.</summary>
    public int LocalPort { get; set; } = 50025;

    /// <summary>Applied to each stream as it is created (see <see cref="ReplayStream.SilenceLimit"/>).</summary>
    public TimeSpan SilenceLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The streams handed out so far, one per connection.</summary>
    public IReadOnlyList<ReplayStream> Streams
    {
        get
        {
            lock (_gate)
            {
                return [.. _streams];
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, ConnectRequest settings, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO
    {
        ReplayStream stream;
        lock (_gate)
        {
            if (io.IsAsync != Mode.IsAsync())
            {
                throw Fail($"the engine connected with {(io.IsAsync ? "asynchronous" : "blocking")} I/O in {Mode} mode.");
            }
            if (_streams.Count >= Transcript.Sessions.Count)
            {
                throw Fail($"the client opened connection {_streams.Count + 1}, but the transcript has only " +
                    $"{Transcript.Sessions.Count} (separate connections with \"-- next-connection\").");
            }
            stream = new ReplayStream(Transcript.Sessions[_streams.Count], Mode) { SilenceLimit = SilenceLimit };
            _streams.Add(stream);
        }
        guard.ThrowIfStopped();
        info($"Connecting to {RemoteAddress} port {settings.Port}");
        return new(new OpenedTransport(stream, null, RemoteAddress, LocalAddress, LocalPort));
    }

    /// <summary>Throws the first failure of the factory or of any of its streams.</summary>
    /// <exception cref="TranscriptException">The client broke the transcript.</exception>
    public void ThrowIfFailed()
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw new TranscriptException(_failure.Message, _failure);
            }
        }
        foreach (var stream in Streams)
        {
            stream.ThrowIfFailed();
        }
    }

    /// <summary>Checks that every connection of the transcript was opened and played to its end.</summary>
    /// <exception cref="TranscriptException">A failure happened, or part of the transcript was not played.</exception>
    public void AssertComplete()
    {
        ThrowIfFailed();
        var streams = Streams;
        if (streams.Count < Transcript.Sessions.Count)
        {
            throw new TranscriptException($"{Transcript.Name} [{Mode}]: the transcript is not finished: the client opened " +
                $"{streams.Count} connection(s) of {Transcript.Sessions.Count}.");
        }
        foreach (var stream in streams)
        {
            stream.AssertComplete();
        }
    }

    private TranscriptException Fail(string message)
    {
        var failure = new TranscriptException($"{Transcript.Name} [{Mode}]: {message}");
        _failure ??= failure;
        return failure;
    }
}
