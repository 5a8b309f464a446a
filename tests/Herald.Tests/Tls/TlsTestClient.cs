using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Herald.Security;
using Herald.Security.Tls;
using Herald.Transport;
using Xunit;

namespace Herald.Tests.Tls;

/// <summary>Records what the TLS layer reports and lets a test decide the SSLServerAuthentication verdict.</summary>
internal sealed class RecordingTlsCallbacks : ITlsCallbacks
{
    public List<string> Statuses { get; } = [];
    public List<(string Subject, string Status, bool Accept, int ChainLength)> Certificates { get; } = [];

    /// <summary>Optional override: receives (status, verdict) and returns the decision.</summary>
    public Func<string, bool, bool>? Decide { get; set; }

    /// <summary>Thrown from the certificate event when set.</summary>
    public Exception? Throw { get; set; }

    public bool OnServerCertificate(X509Certificate2 certificate, ServerCertificateValidation validation, bool accept)
    {
        var chain = validation.Chain;
        string status = validation.Verdict.Status;
        Certificates.Add((certificate.Subject, status, accept, chain?.ChainElements.Count ?? 0));
        if (Throw is not null)
        {
            throw Throw;
        }
        return Decide?.Invoke(status, accept) ?? accept;
    }

    public void OnStatus(string message)
    {
        lock (Statuses)
        {
            Statuses.Add(message);
        }
    }
}

/// <summary>Connects to a loopback server and runs <see cref="TlsClient"/> through the sync or the async adapter.</summary>
internal static class TlsTestClient
{
    /// <summary>Settings that trust the test root only through SSLServerCACerts and skip the system CA bundle.</summary>
    public static SmtpTlsSettings TrustingTestRoot() => new() { ServerCACerts = TestPki.Instance.RootPem, CACertFilePaths = "" };

    /// <summary>Settings with no extra trust.</summary>
    public static SmtpTlsSettings Untrusting() => new() { CACertFilePaths = "" };

    public static async Task<TlsSession> ConnectAsync(bool useAsync, int port, SmtpTlsSettings settings, ITlsCallbacks callbacks,
        string host = "localhost", int timeoutSeconds = 20, Func<Stream, Stream>? wrap = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(IPAddress.Loopback, port);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (wrap is not null)
        {
            stream = wrap(stream);
        }
        using var guard = new OperationGuard(timeoutSeconds, absolute: false, CancellationToken.None);
        guard.SetAbortAction(socket.Dispose);
        try
        {
            if (useAsync)
            {
                return await TlsClient.AuthenticateAsync(new AsyncIO(), stream, host, settings.ToOptions(Smtp.Terms), callbacks, guard);
            }
            var pending = TlsClient.AuthenticateAsync(new SyncIO(), stream, host, settings.ToOptions(Smtp.Terms), callbacks, guard);
            // The sync adapter never goes asynchronous: the handshake has finished when the call returns.
            Assert.True(pending.IsCompleted, "the sync handshake returned before completing");
            return pending.GetAwaiter().GetResult();
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads the server's greeting over the session, proving the stream works.</summary>
    public static string ReadGreeting(TlsSession session)
    {
        var buffer = new byte[64];
        int n = session.Stream.Read(buffer);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, n);
    }
}
