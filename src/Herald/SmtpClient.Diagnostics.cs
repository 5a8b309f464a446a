using Microsoft.Extensions.Logging;

namespace Herald;

public partial class SmtpClient
{
    private volatile ILogger? _logger;

    /// <summary>
    /// Where the client logs through <c>Microsoft.Extensions.Logging</c> (a Herald extension of the class; null, the
    /// default, for nowhere): the protocol trace at <see cref="LogLevel.Trace"/> (<c>C: ...</c> and <c>S: ...</c>
    /// lines, secrets always masked; message data is never logged), notes at <see cref="LogLevel.Debug"/>, the
    /// connection, TLS, authentication and each accepted message (with its queue id) at
    /// <see cref="LogLevel.Information"/>, rejected recipients and transient refusals at <see cref="LogLevel.Warning"/>,
    /// other failures at <see cref="LogLevel.Error"/>, each with the server and port (and the command, reply code and
    /// enhanced status code where there are some) as fields. Levels the logger does not enable cost nothing. It is
    /// separate from the Log* config settings, which write the class's own log file. Metrics and traces go to the
    /// <c>Herald</c> meter and activity source whether or not a logger is set (see
    /// <see cref="Diagnostics.HeraldTelemetry"/>).
    /// </summary>
    public ILogger? Logger
    {
        get => _logger;
        set => _logger = value;
    }

    ILogger? Engine.IEngineEvents.Logger => _logger;
}
