using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Tls;

/// <summary>What the TLS layer reports to the component while it runs a handshake.</summary>
internal interface ITlsCallbacks
{
    /// <summary>
    /// Fired once the server's certificate is received (the facade's certificate event). <paramref name="accept"/>
    /// arrives holding the validation verdict; the handler may accept a certificate that failed or reject one that
    /// passed, and returns its decision.
    /// </summary>
    /// <param name="certificate">The server certificate.</param>
    /// <param name="validation">What validation found: the chain as validated (server certificate first), the facts,
    /// and the verdict whose status is "OK" or why the certificate failed.</param>
    /// <param name="accept">The starting decision: the verdict, or false when the event alone decides
    /// (<see cref="TlsOptions.HandlerDecides"/>).</param>
    /// <returns>True to continue the handshake.</returns>
    bool OnServerCertificate(X509Certificate2 certificate, ServerCertificateValidation validation, bool accept);

    /// <summary>A progress line for the facade's TLS status event.</summary>
    /// <param name="message">The line.</param>
    void OnStatus(string message);
}
