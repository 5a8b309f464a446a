using Herald.Engine;
using Herald.Transport;

namespace Herald.Tests.Facade;

/// <summary>
/// A transport that never connects: opening it records the attempt and fails with <see cref="ConnectAttempted"/>. A
/// test that expects a validation error sees that error instead; one that expects validation to pass sees this.
/// </summary>
internal sealed class RefusingTransportFactory : ITransportFactory
{
    /// <summary>How many times a connection was attempted.</summary>
    public int Attempts { get; private set; }

    /// <summary>The request of the last attempt, or null.</summary>
    public ConnectRequest? LastRequest { get; private set; }

    /// <inheritdoc />
    public ValueTask<OpenedTransport> OpenAsync<TIO>(TIO io, ConnectRequest settings, OperationGuard guard, Action<string> info)
        where TIO : struct, ISmtpIO
    {
        Attempts++;
        LastRequest = settings;
        throw new ConnectAttempted();
    }

    /// <summary>The marker failure.</summary>
    public sealed class ConnectAttempted() : Exception("The component tried to connect.");

    /// <summary>A component whose every connection attempt fails with <see cref="ConnectAttempted"/>.</summary>
    public static (Smtp Smtp, RefusingTransportFactory Factory) Create()
    {
        var factory = new RefusingTransportFactory();
        var smtp = new Smtp();
        smtp.Settings.TransportFactory = factory;
        return (smtp, factory);
    }
}
