using Herald.IntegrationTests.Support;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// Builds <see cref="Smtp"/> components aimed at the TLS peers, and reads what Postfix recorded in a delivered message.
/// </summary>
internal static class PeerSmtp
{
    /// <summary>The test CA as PEM text, as SSLServerCACerts takes it.</summary>
    public static string CaPemText => File.ReadAllText(Peers.CaPem);

    /// <summary>
    /// A component for a peer: MailServer <paramref name="host"/> (by default "localhost", the name in the peers'
    /// certificate), the port, the TLS mode, and (unless <paramref name="trustTestCa"/> is false) the test CA in
    /// SSLServerCACerts. Fails the test first when nothing listens on the port.
    /// </summary>
    public static Smtp Create(int port, SmtpSSLStartModes mode, string host = Peers.HostName, bool trustTestCa = true,
        int timeout = 20)
    {
        Peers.RequirePeer(port);
        var smtp = new Smtp { MailServer = host, MailPort = port, SSLStartMode = mode, Timeout = timeout };
        if (trustTestCa)
        {
            smtp.Config("SSLServerCACerts=" + CaPemText);
        }
        return smtp;
    }

    /// <summary>
    /// A component for <see cref="OpenSslServer"/>: implicit TLS to "localhost" on its port, trusting the test CA.
    /// </summary>
    public static Smtp ForOpenSslServer(OpenSslServer server)
    {
        var smtp = new Smtp
        {
            MailServer = Peers.HostName, MailPort = server.Port, SSLStartMode = SmtpSSLStartModes.sslImplicit, Timeout = 10,
        };
        smtp.Config("SSLServerCACerts=" + CaPemText);
        return smtp;
    }

    /// <summary>Sets a small message that carries <paramref name="marker"/> in an X-Test-Id header.</summary>
    public static void SetMessage(Smtp smtp, string marker, string to = "tls-test@example.com")
    {
        smtp.From = "herald-tls@example.org";
        smtp.SendTo = to;
        smtp.Subject = "TLS integration test";
        smtp.OtherHeaders = "X-Test-Id: " + marker;
        smtp.MessageText = "Sent over TLS by the integration tests.\r\n" + marker + "\r\n";
    }

    /// <summary>
    /// The newest <c>Received:</c> header of a delivered message (the one Postfix added), unfolded onto one line.
    /// </summary>
    public static string TopReceivedHeader(string message) =>
        (StoredMessage.Parse(message).Header("Received")
            ?? throw new InvalidOperationException("The delivered message has no Received header:\n" + message))
        .Replace("\r\n\t", " ", StringComparison.Ordinal).Replace("\r\n ", " ", StringComparison.Ordinal);
}
