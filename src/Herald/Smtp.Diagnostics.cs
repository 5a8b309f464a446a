using Microsoft.Extensions.Logging;

namespace Herald;

public partial class Smtp
{
    /// <summary>
    /// Where the component logs (a Herald extension of the component; null, the default, for nowhere): the protocol
    /// trace at <see cref="LogLevel.Trace"/> (<c>C: ...</c> and <c>S: ...</c> lines, secrets always masked, whatever
    /// config MaskSensitiveData says for <see cref="OnPITrail"/>; message data is never logged), the component's notes
    /// at <see cref="LogLevel.Debug"/>, the connection, TLS (version, suite, certificate), authentication and each
    /// accepted message (with its queue id) at <see cref="LogLevel.Information"/>, rejected recipients and transient
    /// refusals at <see cref="LogLevel.Warning"/>, and other failures at <see cref="LogLevel.Error"/>. Every entry carries
    /// the server and port as fields, plus the command, reply code and enhanced status code where it has them. Levels the
    /// logger does not enable cost nothing. Setting it while a method runs takes effect at once; <see cref="Reset"/> keeps it.
    /// Metrics and traces go to the <c>Herald</c> meter and activity source whether or not a logger is set (see
    /// <see cref="Diagnostics.HeraldTelemetry"/>).
    /// </summary>
    public ILogger? Logger
    {
        get => _settings.Logger;
        set => _settings.Logger = value;
    }
}
