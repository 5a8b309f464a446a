using System.Security.Cryptography.X509Certificates;
using Herald.Engine;
using Herald.Security.Tls;

namespace Herald.Tests.Infrastructure;

/// <summary>Engine events for tests that drive the engine without a facade: nothing is traced, certificates keep the
/// engine's own decision, and authentication goes as configured.</summary>
internal sealed class SilentEngineEvents : IEngineEvents
{
    public bool WantsTrace => false;
    public bool WantsTransfer => false;
    public void OnTrace(TraceDirection direction, string message) { }
    public void OnConnectionStatus(string connectionEvent, int statusCode, string description) { }
    public void OnStartTransfer() { }
    public void OnTransfer(long bytesTransferred, long dataSent, long dataLength, int percentDone, ReadOnlyMemory<byte> chunk) { }
    public void OnEndTransfer() { }
    public void OnError(int errorCode, string description) { }
    public void OnSslStatus(string message) { }
    public bool OnServerCertificate(X509Certificate2 certificate, ServerCertificateValidation validation, bool accept) => accept;
    public AuthOptions OnBeforeAuth(AuthOptions auth, IReadOnlyCollection<string> serverMechanisms) => auth;
}
