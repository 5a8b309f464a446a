using Herald.IntegrationTests.Support;

namespace Herald.IntegrationTests.SmtpClientFacade;

/// <summary>
/// <see cref="SmtpClient"/> set up for the peers: a short socket timeout so a hung peer fails the test quickly, and the
/// protocol trace recorded ("C: ", "S: ", "D: " for command data, "N: " for notifications).
/// </summary>
internal static class ClientPeer
{
    /// <summary>The sender the tests use.</summary>
    public const string Sender = "herald-client-tests@example.org";

    /// <summary>A client with a 20-second socket timeout and its trace recorded in <paramref name="trace"/>.</summary>
    public static SmtpClient Create(out List<string> trace)
    {
        var client = new SmtpClient();
        client.Socket.Timeout = 20_000;
        var lines = new List<string>();
        client.Command += (_, e) => lines.Add("C: " + e.Command);
        client.CommandData += (_, e) => lines.Add("D: " + e.Data);
        client.CommandReply += (_, e) => lines.Add("S: " + e.Reply);
        client.Notification += (_, e) => lines.Add($"N: {e.EventId}: {e.EventParam}");
        trace = lines;
        return client;
    }

    /// <summary>The test CA as a certificate, for TrustedCerts.</summary>
    public static TlsCertificate TestCa => TlsCertificate.LoadFile(Peers.CaPem)[0];

    /// <summary>Trusts the test CA and nothing else (the system's roots are left out).</summary>
    public static void TrustOnlyTestCa(SmtpClient client)
    {
        client.TrustedCerts.Add(TestCa);
        client.Config("UseSystemCertificates=False");
    }

    public static async Task ConnectUsing(this SmtpClient client, Api api, int port, string host = Peers.HostName)
    {
        Peers.RequirePeer(port);
        if (api == Api.Async)
        {
            await client.ConnectAsync(host, port);
        }
        else
        {
            client.Connect(host, port);
        }
    }

    public static async Task DisconnectUsing(this SmtpClient client, Api api)
    {
        if (api == Api.Async)
        {
            await client.DisconnectAsync();
        }
        else
        {
            client.Disconnect();
        }
    }

    public static async Task SendMessageUsing(this SmtpClient client, Api api)
    {
        if (api == Api.Async)
        {
            await client.SendMessageAsync();
        }
        else
        {
            client.SendMessage();
        }
    }

    public static async Task SendBytesUsing(this SmtpClient client, Api api, byte[] bytes)
    {
        if (api == Api.Async)
        {
            await client.SendBytesAsync(bytes);
        }
        else
        {
            client.SendBytes(bytes);
        }
    }

    public static async Task SendFileUsing(this SmtpClient client, Api api, string path)
    {
        if (api == Api.Async)
        {
            await client.SendFileAsync(path);
        }
        else
        {
            // The blocking form runs on a thread of its own, so the thread pool stays free for the test's samplers.
            await Task.Factory.StartNew(() => client.SendFile(path), CancellationToken.None, TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }
    }

    /// <summary>Sets a small message that carries <paramref name="marker"/> in an X-Herald-Test-Id header.</summary>
    public static void SetMessage(SmtpClient client, string marker, string to = "client-test@example.com")
    {
        client.Msg.From = Sender;
        client.Msg.SendTo = to;
        client.Msg.Subject = "SmtpClient integration test";
        client.Msg.Headers.Add(new Header("X-Herald-Test-Id", marker));
        client.Msg.PlainText = "Sent by the SmtpClient integration tests.\r\n" + marker + "\r\n";
    }
}
