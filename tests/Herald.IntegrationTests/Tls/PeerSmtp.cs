using System.Text.RegularExpressions;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// Builds <see cref="Smtp"/> components aimed at the peers and runs their methods synchronously or asynchronously, so
/// that one test body covers both forms.
/// </summary>
internal static partial class PeerSmtp
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

    /// <summary>Connect or ConnectAsync.</summary>
    public static async Task ConnectAsync(Smtp smtp, bool useAsync)
    {
        if (useAsync)
        {
            await smtp.ConnectAsync();
        }
        else
        {
            smtp.Connect();
        }
    }

    /// <summary>Send or SendAsync.</summary>
    public static async Task SendAsync(Smtp smtp, bool useAsync)
    {
        if (useAsync)
        {
            await smtp.SendAsync();
        }
        else
        {
            smtp.Send();
        }
    }

    /// <summary>Disconnect or DisconnectAsync.</summary>
    public static async Task DisconnectAsync(Smtp smtp, bool useAsync)
    {
        if (useAsync)
        {
            await smtp.DisconnectAsync();
        }
        else
        {
            smtp.Disconnect();
        }
    }

    /// <summary>
    /// The newest <c>Received:</c> header of a delivered message (the one Postfix added), unfolded onto one line.
    /// </summary>
    public static string TopReceivedHeader(string message)
    {
        var match = ReceivedHeaderPattern().Match(message.Replace("\r\n", "\n", StringComparison.Ordinal));
        if (!match.Success)
        {
            throw new InvalidOperationException("The delivered message has no Received header:\n" + message);
        }
        return Regex.Replace(match.Value, @"\n[ \t]+", " ").Trim();
    }

    /// <summary>The value of header <paramref name="name"/> in a delivered message, or null.</summary>
    public static string? Header(string message, string name)
    {
        foreach (string line in message.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.Length == 0)
            {
                break;
            }
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }
        return null;
    }

    // A header line and its continuation lines (which start with a space or tab).
    [GeneratedRegex(@"^Received:.*(\n[ \t].*)*", RegexOptions.Multiline)]
    private static partial Regex ReceivedHeaderPattern();
}
