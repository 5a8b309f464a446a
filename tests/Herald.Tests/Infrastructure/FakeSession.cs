using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// One connection to a <see cref="FakeSmtpServer"/> and everything recorded on it. The server writes these
/// properties from its own tasks; a test reads them after the client got the reply it waited for (the server records
/// a line before it answers it) or after <see cref="Ended"/> completed.
/// </summary>
internal sealed class FakeSession
{
    private readonly object _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<FakeMessage> _messages = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal FakeSession(int index, TcpClient client)
    {
        Index = index;
        Client = client;
        RemoteEndPoint = (IPEndPoint)client.Client.RemoteEndPoint!;
    }

    /// <summary>0-based order in which the server accepted the connection.</summary>
    public int Index { get; }

    /// <summary>The client's address and port.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Every line received outside message data (commands and answers to challenges), without line ends.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Every transaction whose data was received, in order.</summary>
    public IReadOnlyList<FakeMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>The argument of the last accepted EHLO or HELO.</summary>
    public string? Hello { get; internal set; }

    /// <summary>True once TLS is up (implicit, or after a successful STARTTLS handshake).</summary>
    public bool IsTls { get; internal set; }

    /// <summary>The TLS version negotiated.</summary>
    public SslProtocols TlsProtocol { get; internal set; }

    /// <summary>The certificate the client presented, if any.</summary>
    public X509Certificate? ClientCertificate { get; internal set; }

    /// <summary>The user name of a successful built-in AUTH.</summary>
    public string? AuthenticatedUser { get; internal set; }

    /// <summary>
    /// Bytes the client sent after STARTTLS but before the handshake (pipelined plaintext), which the server threw
    /// away as RFC 3207 §4.2 asks.
    /// </summary>
    public byte[] DiscardedBeforeTls { get; internal set; } = [];

    /// <summary>True when the session ended because the client closed the connection.</summary>
    public bool ClientClosed { get; internal set; }

    /// <summary>The error that ended the session (a failed handshake, a reset), if any.</summary>
    public Exception? Error { get; internal set; }

    /// <summary>Completes when the server has finished with the connection.</summary>
    public Task Ended => _ended.Task;

    internal TcpClient Client { get; }

    internal bool Greeted { get; set; }

    internal FakeMessage? Transaction { get; set; }

    internal Func<FakeCommand, FakeAction?>? Continuation { get; set; }

    /// <summary>Waits until a received line satisfies <paramref name="match"/> and returns it.</summary>
    /// <exception cref="TimeoutException">No such line arrived within <paramref name="timeout"/>.</exception>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Lines.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }
            if (DateTime.UtcNow > deadline || Ended.IsCompleted)
            {
                throw new TimeoutException($"No matching line arrived; the session received: {string.Join(" | ", Lines)}");
            }
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    internal void AddLine(string line)
    {
        lock (_gate)
        {
            _lines.Add(line);
        }
    }

    internal void AddMessage(FakeMessage message)
    {
        lock (_gate)
        {
            _messages.Add(message);
        }
    }

    internal void Abort()
    {
        try
        {
            Client.Dispose();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    internal void MarkEnded() => _ended.TrySetResult();

    internal static SslServerAuthenticationOptions ServerOptions(X509Certificate2 certificate, bool requestClientCertificate,
        SslProtocols protocols) => new()
    {
        ServerCertificate = certificate,
        ClientCertificateRequired = requestClientCertificate,
        EnabledSslProtocols = protocols,
        // The fake server records a client certificate; judging it is the test's business.
        RemoteCertificateValidationCallback = (_, _, _, _) => true,
    };
}
