namespace Herald.Cli.Options;

/// <summary>What <see cref="ConnectionOptions.Apply"/> decided, for messages and hints.</summary>
/// <param name="Display">HOST:PORT.</param>
/// <param name="Mode">The TLS mode.</param>
/// <param name="TlsDefaulted">True when --tls was not given (so the mode is the default, auto).</param>
/// <param name="Port">The port.</param>
internal sealed record ConnectionPlan(string Display, SmtpSSLStartModes Mode, bool TlsDefaulted, int Port)
{
    /// <summary>
    /// A suggestion for a failure that the default TLS mode probably caused: auto means TLS from the first byte on
    /// ports other than 25 and 587, which a plaintext test server (port 1025, 2525 ...) answers with garbage or silence.
    /// </summary>
    /// <param name="e">The failure.</param>
    /// <returns>The hint, or null when there is nothing useful to say.</returns>
    public string? HintFor(SmtpException e)
    {
        bool aboutCertificate = e.Code == SmtpErrorCodes.CertVerificationError
                                || (e.Code == SmtpErrorCodes.TlsHandshakeError
                                    && e.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase));
        if (aboutCertificate)
        {
            return "If the server's certificate comes from a private CA, trust that CA with --ca FILE " +
                   "(for a throw-away test server only: --insecure-accept-any-certificate).";
        }
        if (Mode == SmtpSSLStartModes.sslNone && e.Message.Contains("does not offer authentication", StringComparison.Ordinal))
        {
            return "Many servers offer login only after STARTTLS: pass --tls starttls.";
        }
        bool noTlsHere = e.Code is SmtpErrorCodes.TlsHandshakeError or SmtpErrorCodes.CommunicationError or SmtpErrorCodes.Timeout;
        if (TlsDefaulted && noTlsHere && Port is not (25 or 587 or 465) && Mode == SmtpSSLStartModes.sslAutomatic)
        {
            return $"Port {Port} was tried with TLS from the first byte (--tls auto does that on ports other than 25 and 587). " +
                   "If this server starts in plaintext, pass --tls starttls, or --tls none for a server without TLS.";
        }
        if (TlsDefaulted && e.Code == SmtpErrorCodes.TlsHandshakeError && e.Message.Contains("STARTTLS", StringComparison.Ordinal))
        {
            return "This server does not offer STARTTLS. Pass --tls none to talk to it without encryption (only on networks you trust).";
        }
        return null;
    }
}
