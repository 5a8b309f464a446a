using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Bench.Loopback;

namespace Herald.Bench;

/// <summary>
/// One message through the whole stack (the <see cref="Smtp"/> facade, the engine, the buffered connection) against
/// <see cref="CannedSmtpStream"/>, an in-memory server that answers at once and allocates nothing, so the time and
/// the Allocated column are the client's cost per message. The session stays open between messages, as in
/// Connect, N x Send, Disconnect: each message is RSET, MAIL, RCPT, DATA pipelined in one write, then about 1 KB of
/// data and the final reply.
/// </summary>
/// <remarks>
/// <c>Text</c> sends From/SendTo/Subject/MessageText, so the headers (with a new Date and Message-ID) are built per
/// message; <c>Raw</c> sends a prepared message from <see cref="Smtp.MessageB"/> and shows the protocol cost alone.
/// The async variants: <c>Async</c> reads complete at once (a reply already buffered); <c>AsyncSuspending</c> reads
/// complete later on the thread pool, as socket reads usually do, so every await on a read really suspends.
/// </remarks>
[MemoryDiagnoser]
public class TransactionBenchmarks
{
    private Smtp _sync = null!;
    private Smtp _async = null!;
    private Smtp _asyncSuspending = null!;
    private Smtp _session = null!;

    /// <summary>Text: headers built per message; Raw: a prepared message.</summary>
    [Params("Text", "Raw")]
    public string Message { get; set; } = "Text";

    /// <summary>Connects the components and checks that one message really goes through each.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _sync = Create(yieldOnRead: false, out var syncServer);
        _sync.Connect();
        _async = Create(yieldOnRead: false, out var asyncServer);
        _async.ConnectAsync().GetAwaiter().GetResult();
        _asyncSuspending = Create(yieldOnRead: true, out var suspendingServer);
        _asyncSuspending.ConnectAsync().GetAwaiter().GetResult();
        _session = Create(yieldOnRead: false, out var sessionServer);

        _sync.Send();
        _async.SendAsync().GetAwaiter().GetResult();
        _asyncSuspending.SendAsync().GetAwaiter().GetResult();
        _session.Send();
        foreach (var server in new[] { syncServer, asyncServer, suspendingServer, sessionServer })
        {
            if (server.Current is not { MessagesReceived: 1 })
            {
                throw new InvalidOperationException("The canned server did not receive exactly one message.");
            }
        }
    }

    /// <summary>Closes the sessions.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var smtp in new[] { _sync, _async, _asyncSuspending, _session })
        {
            smtp.Dispose();
        }
    }

    /// <summary>Send() on an open session.</summary>
    [Benchmark(Baseline = true)]
    public void SendSync() => _sync.Send();

    /// <summary>SendAsync() on an open session; reads complete at once.</summary>
    [Benchmark]
    public Task SendAsync() => _async.SendAsync();

    /// <summary>SendAsync() on an open session; reads complete later on the thread pool.</summary>
    [Benchmark]
    public Task SendAsyncSuspending() => _asyncSuspending.SendAsync();

    /// <summary>Send() without Connect: connect, greeting, EHLO (12 lines), the message, QUIT.</summary>
    [Benchmark]
    public void SessionPerMessageSync() => _session.Send();

    private Smtp Create(bool yieldOnRead, out CannedTransportFactory server)
    {
        server = new CannedTransportFactory(yieldOnRead);
        var smtp = new Smtp { MailServer = "bench.localhost" };
        smtp.Settings.TransportFactory = server;
        smtp.Config("Hello=client.bench.example");
        // The canned server speaks DATA only; its EHLO lists CHUNKING because Postfix's does, so BDAT is turned off
        // to measure the pipelined DATA transaction this class describes.
        smtp.Config("UseChunking=False");
        var body = new StringBuilder();
        for (int i = 0; body.Length < 1000; i++)
        {
            body.Append("Line ").Append(i).Append(" of a small message that the benchmark sends again and again.\r\n");
        }
        if (Message == "Raw")
        {
            smtp.From = "alice@example.com";
            smtp.SendTo = "bob@example.com";
            smtp.MessageB = Encoding.ASCII.GetBytes(
                "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Benchmark\r\n" +
                "Date: Sun, 22 Nov 2026 09:05:03 +0100\r\nMessage-ID: <bench@example.com>\r\n\r\n" + body);
        }
        else
        {
            smtp.From = "\"Alice Example\" <alice@example.com>";
            smtp.SendTo = "bob@example.com";
            smtp.Subject = "Benchmark";
            smtp.MessageText = body.ToString();
        }
        return smtp;
    }
}
