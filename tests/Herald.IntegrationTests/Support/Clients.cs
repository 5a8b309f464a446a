namespace Herald.IntegrationTests.Support;

/// <summary>Components set up to talk to one peer.</summary>
internal static class Clients
{
    /// <summary>The sender every test uses unless it is testing the sender.</summary>
    public const string Sender = "herald-tests@example.org";

    /// <summary>
    /// A component aimed at a peer that must be running (<see cref="Peers.RequirePeer"/> fails the test otherwise),
    /// with a short timeout so a peer that hangs fails the test quickly, and its whole trace recorded.
    /// </summary>
    public static Smtp For(int port, out TraceLog trace, string host = Peers.Host)
    {
        Peers.RequirePeer(port, host);
        var smtp = new Smtp { MailServer = host, MailPort = port, Timeout = 20, From = Sender };
        trace = new TraceLog(smtp);
        return smtp;
    }

    /// <summary>
    /// Makes the component connect from an address of 127.0.0.0/8 that no other test uses. Dovecot delays every login
    /// from an address that recently failed one (its anvil "auth penalty", up to 15 s, for Postfix's SASL requests
    /// too), so tests that fail a login on purpose use an address of their own and leave 127.0.0.1 unpenalised.
    /// </summary>
    public static void UseFreshLoopbackAddress(Smtp smtp)
    {
        Span<byte> octets = stackalloc byte[3];
        System.Security.Cryptography.RandomNumberGenerator.Fill(octets);
        smtp.LocalHost = $"127.{octets[0] % 254 + 1}.{octets[1]}.{octets[2] % 254 + 1}";
    }

    /// <summary>
    /// Adds a header carrying a fresh marker to the message, so that its copies can be told apart from every other
    /// capture, and returns the marker.
    /// </summary>
    public static string Mark(Smtp smtp)
    {
        string marker = Peers.NewMarker();
        smtp.OtherHeaders = "X-Herald-Test-Id: " + marker;
        return marker;
    }
}
