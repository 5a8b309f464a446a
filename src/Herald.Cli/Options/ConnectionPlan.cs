using System.Net;
using System.Net.Sockets;

namespace Herald.Cli.Options;

/// <summary>
/// What <see cref="ConnectionOptions.Apply"/> decided about a server, and what the session then showed about its TLS:
/// the source of the <c>--tls auto</c> warnings and of the hints printed after a failure.
/// </summary>
internal sealed class ConnectionPlan
{
    /// <summary>HOST:PORT, for messages.</summary>
    public required string Display { get; init; }

    /// <summary>The host name or address as given.</summary>
    public string Host { get; init; } = "";

    /// <summary>The port.</summary>
    public required int Port { get; init; }

    /// <summary>The component's TLS mode: for <c>auto</c>, implicit on port 465 and explicit (STARTTLS) elsewhere.</summary>
    public required SmtpSSLStartModes Mode { get; init; }

    /// <summary>True for <c>--tls auto</c>, given or by default.</summary>
    public bool Auto { get; init; }

    /// <summary>The proxy as a URL with the password masked, and where it came from (<c>--proxy</c> or a variable);
    /// null for a direct connection.</summary>
    public string? Proxy { get; set; }

    /// <summary>True when the session would log in (<c>--user</c>), so something secret would be sent.</summary>
    public bool Credentials { get; init; }

    /// <summary>True for auto on a port other than 465: STARTTLS when offered, and without credentials an
    /// unverifiable certificate or a missing STARTTLS is tolerated (with a warning off loopback).</summary>
    public bool Opportunistic => Auto && Mode == SmtpSSLStartModes.sslExplicit;

    /// <summary>The server certificate of the session, as validated (before any option overrode the verdict).</summary>
    public ServerCertificateSeen? Certificate { get; private set; }

    /// <summary>True once the server sent anything.</summary>
    public bool ServerSpoke { get; private set; }

    /// <summary>True once the client asked for STARTTLS.</summary>
    public bool StartTlsSent { get; private set; }

    /// <summary>
    /// Follows the session through the component's public events: the trace (did the server speak, was STARTTLS
    /// asked for) and the certificate check, where <c>--insecure-accept-any-certificate</c> and the opportunistic rule
    /// of <c>--tls auto</c> apply.
    /// </summary>
    /// <param name="smtp">The component.</param>
    /// <param name="env">Where warnings go.</param>
    /// <param name="acceptAnyCertificate">True for <c>--insecure-accept-any-certificate</c>.</param>
    public void Attach(Smtp smtp, CliEnvironment env, bool acceptAnyCertificate)
    {
        smtp.OnPITrail += (_, e) =>
        {
            if (e.Direction == 1)
            {
                ServerSpoke = true;
            }
            else if (e.Direction == 0 && e.Message.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase))
            {
                StartTlsSent = true;
            }
        };
        smtp.OnSSLServerAuthentication += (_, e) =>
        {
            Certificate = new ServerCertificateSeen(e.CertSubject, e.CertIssuer, e.Status, e.Accept, e.CertEncodedB);
            if (e.Accept)
            {
                return;
            }
            if (acceptAnyCertificate)
            {
                e.Accept = true; // warned about when the option was read
            }
            else if (Opportunistic && !Credentials)
            {
                // Like an MTA's opportunistic TLS (RFC 7435 §1.2): encryption without authentication still beats
                // plaintext, and nothing secret goes over it. With credentials the check stands and the session fails.
                e.Accept = true;
                env.Warn($"the certificate of {Display} could not be verified ({e.Status}). The session is encrypted, but the " +
                         "server is not authenticated: someone on the network path could pose as it. Trust the server's CA with " +
                         "--ca FILE to verify it, or pass --tls starttls to refuse a server that cannot be verified.");
            }
        };
    }

    /// <summary>
    /// Once connected: under <c>--tls auto</c>, warns when the session stayed in plaintext (the server offers no
    /// STARTTLS) with a host outside loopback, since what follows can be read on the way.
    /// </summary>
    /// <param name="smtp">The connected component.</param>
    /// <param name="env">Where the warning goes.</param>
    /// <param name="cancellationToken">Stops a name lookup.</param>
    public async Task WarnIfUnencryptedAsync(Smtp smtp, CliEnvironment env, CancellationToken cancellationToken)
    {
        if (!Opportunistic || smtp.Config("SSLNegotiatedVersion").Length > 0
            || await env.IsLoopbackHost(Host, cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        env.Warn($"{Display} does not offer STARTTLS: this session is NOT encrypted, and anyone on the network path can read " +
                 "what it carries (the message, the addresses). Pass --tls starttls to refuse a server that cannot encrypt.");
    }

    /// <summary>
    /// The command line's own account of a failure that its TLS policy caused, or null when the library's message
    /// says it well enough: under <c>--tls auto</c> with credentials, a server without STARTTLS is refused before
    /// anything secret is sent.
    /// </summary>
    /// <param name="e">The failure.</param>
    public CliException? Explain(SmtpException e)
    {
        if (Opportunistic && Credentials && e.Code == SmtpErrorCodes.TlsHandshakeError && ServerSpoke && !StartTlsSent)
        {
            return new CliException(ExitCodes.For(e),
                $"{Display} does not offer STARTTLS, so the session cannot be encrypted, and --tls auto never sends credentials " +
                "(--user) over an unencrypted connection, not even to loopback. Nothing was sent: the session ended before " +
                "AUTH. If the password may really be read on the way, pass --tls none (plus --allow-plaintext-auth for a host " +
                "outside loopback).", e);
        }
        return null;
    }

    /// <summary>A suggestion for a failure that the TLS mode probably caused.</summary>
    /// <param name="e">The failure.</param>
    /// <returns>The hint, or null when there is nothing useful to say.</returns>
    public string? HintFor(SmtpException e)
    {
        // Through a proxy, 118 is a failed proxy step and 11001 the server's name that could not be resolved for it.
        if (Proxy is not null && e.Code is SmtpErrorCodes.FirewallError or SmtpErrorCodes.HostNotFound)
        {
            // The library's message names the component's Firewall settings; say which command-line input they came from.
            return e.Message.Contains("no user name and password was given", StringComparison.Ordinal)
                ? $"The proxy {Proxy} wants credentials: put the user name in the URL (socks5://USER@HOST:PORT) and pass the "
                  + "password with --proxy-password-env VAR."
                : $"The proxy is {Proxy}.";
        }
        bool aboutCertificate = e.Code == SmtpErrorCodes.CertVerificationError
                                || (e.Code == SmtpErrorCodes.TlsHandshakeError
                                    && e.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase));
        if (aboutCertificate)
        {
            return "If the server's certificate comes from a private CA, trust that CA with --ca FILE " +
                   "(for a throw-away test server only: --insecure-accept-any-certificate).";
        }
        bool noTlsHere = e.Code is SmtpErrorCodes.TlsHandshakeError or SmtpErrorCodes.CommunicationError or SmtpErrorCodes.Timeout;
        if (Auto && Mode == SmtpSSLStartModes.sslImplicit && noTlsHere)
        {
            return $"Port {Port} was tried with TLS from the first byte (--tls auto does that on port 465). " +
                   "If this server starts in plaintext, pass --tls starttls, or --tls none for a server without TLS.";
        }
        if (Opportunistic && !Credentials && e.Code == SmtpErrorCodes.TlsHandshakeError && StartTlsSent)
        {
            // An MTA would retry such a server in plaintext; a person decides that for themselves.
            return "The server offered STARTTLS, but the TLS handshake failed. To send without encryption anyway, pass --tls none.";
        }
        return null;
    }

    /// <summary>
    /// True when <paramref name="host"/> is a loopback address, a <c>localhost</c> name (RFC 6761 §6.3), or a name whose
    /// every address is loopback. A name that does not resolve counts as remote.
    /// </summary>
    /// <param name="host">A host name or address.</param>
    /// <param name="cancellationToken">Stops the lookup.</param>
    public static async Task<bool> IsLoopbackAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return IsLoopback(address);
        }
        string name = host.TrimEnd('.');
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(name, cancellationToken).ConfigureAwait(false);
            return addresses.Length > 0 && addresses.All(IsLoopback);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address) || (address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(address.MapToIPv4()));
}

/// <summary>The server certificate a session was shown, with the validation's own verdict.</summary>
/// <param name="Subject">The certificate's subject.</param>
/// <param name="Issuer">Its issuer.</param>
/// <param name="Status">"OK", or why it did not validate.</param>
/// <param name="Verified">True when it validated.</param>
/// <param name="Der">The certificate itself (DER).</param>
internal sealed record ServerCertificateSeen(string Subject, string Issuer, string Status, bool Verified, byte[] Der);
