using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Herald.IntegrationTests.Support;

/// <summary>Where the <see cref="FaultProxy"/> cut a connection.</summary>
internal enum FaultStep
{
    /// <summary>Instead of passing on the greeting.</summary>
    Greeting,
    /// <summary>Instead of passing on the reply to EHLO.</summary>
    EhloReply,
    /// <summary>Instead of passing on the reply to MAIL.</summary>
    MailReply,
    /// <summary>Instead of passing on the 354 to DATA.</summary>
    DataReply,
    /// <summary>Half-way through the message data, before the final dot reached the server.</summary>
    MidData,
    /// <summary>Right after passing the final dot on to the server, before its reply: the server has the message.</summary>
    AfterDot,
    /// <summary>Instead of passing on the server's reply to the final dot: the server has the message.</summary>
    DotReply,
    /// <summary>Right after passing on the reply to the final dot: the client has it.</summary>
    AfterDotReply,
}

/// <summary>
/// A TCP relay between SMTP clients and a server that cuts a share of the connections at a random step of the SMTP
/// conversation, and that follows the conversation closely enough to know which cuts fell between the final dot and
/// its reply (the server took the message; the client cannot know it). It also notices clients that vanish (a killed
/// process) in that window, or just after the reply reached them.
/// </summary>
internal sealed partial class FaultProxy : IAsyncDisposable
{
    private static readonly FaultStep[] TransactionSteps =
        [FaultStep.MailReply, FaultStep.DataReply, FaultStep.MidData, FaultStep.AfterDot, FaultStep.DotReply, FaultStep.AfterDotReply];

    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly double _rate;
    private readonly Random _random;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly object _gate = new();
    private readonly List<Task> _relays = [];

    /// <summary>Starts relaying a free loopback port to <paramref name="targetPort"/>.</summary>
    /// <param name="targetPort">The server's port on 127.0.0.1.</param>
    /// <param name="rate">The share of transactions (and of connections, at their start) to cut.</param>
    /// <param name="seed">The seed of the random choices.</param>
    public FaultProxy(int targetPort, double rate, int seed)
    {
        _targetPort = targetPort;
        _rate = rate;
        _random = new Random(seed);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The port clients connect to.</summary>
    public int Port { get; }

    /// <summary>Connections relayed.</summary>
    public int Connections { get; private set; }

    /// <summary>Transactions (MAIL commands) seen.</summary>
    public int Transactions { get; private set; }

    /// <summary>Every cut, with the Message-ID of the transaction it hit (or null).</summary>
    public List<(FaultStep Step, string? MessageId)> Cuts { get; } = [];

    /// <summary>Message-IDs of transactions whose client vanished after the final dot reached the server and before the
    /// reply reached the client.</summary>
    public List<string> ClientGoneInWindow { get; } = [];

    /// <summary>Message-IDs of transactions whose client vanished right after the reply to the final dot was passed on,
    /// before it sent anything else (it may or may not have read the reply).</summary>
    public List<string> ClientGoneAfterReply { get; } = [];

    /// <summary>The cuts that fell between the final dot and its reply.</summary>
    public IEnumerable<(FaultStep Step, string? MessageId)> CutsInWindow =>
        Cuts.Where(c => c.Step is FaultStep.AfterDot or FaultStep.DotReply);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        Task[] relays;
        lock (_gate)
        {
            relays = [.. _relays];
        }
        await Task.WhenAll(relays).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            var relay = Task.Run(() => RelayAsync(client));
            lock (_gate)
            {
                _relays.Add(relay);
                Connections++;
            }
        }
    }

    private bool Chance() => _random.NextDouble() < _rate;

    private async Task RelayAsync(Socket client)
    {
        // No Nagle delay: the relay passes replies on one by one, which must not wait for the peer's delayed ACK.
        client.NoDelay = true;
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var c = new Conversation(this, client, upstream);
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            lock (_gate)
            {
                if (Chance())
                {
                    c.ConnectionCut = _random.Next(2) == 0 ? FaultStep.Greeting : FaultStep.EhloReply;
                }
            }
            var up = c.ClientToServerAsync(_stop.Token);
            var down = c.ServerToClientAsync(_stop.Token);
            await Task.WhenAll(up, down);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            c.Close();
            client.Dispose();
        }
    }

    /// <summary>
    /// One relayed connection and what the proxy knows of its conversation. A client that pipelines across messages
    /// sends the end of one message and the next envelope together, so each transaction keeps its own state (where to
    /// cut it, its Message-ID), and each command awaiting a reply remembers its transaction.
    /// </summary>
    private sealed class Conversation(FaultProxy proxy, Socket client, Socket upstream)
    {
        private readonly object _gate = new();
        private readonly Queue<(string Verb, Transaction? Of)> _awaiting = new(); // commands whose replies have not come back
        private readonly StringBuilder _serverLine = new();
        private readonly StringBuilder _clientLine = new();
        private readonly MemoryStream _dataHead = new();
        private Transaction? _current;   // the transaction whose commands the client is sending
        private Transaction? _inData;    // the transaction whose data is flowing
        private string _tail = "\r\n"; // the last bytes of data passed on, to find "\r\n.\r\n" across reads
        private Transaction? _dotSent;   // its final dot went to the server; its reply has not been passed on
        private Transaction? _replied;   // its dot's reply was passed on; the client has sent nothing that needed it since
        private int _replies;
        private bool _cut;
        private bool _muted;             // an AfterDot cut is coming: nothing more from the server reaches the client

        public FaultStep? ConnectionCut { get; set; }

        public async Task ClientToServerAsync(CancellationToken token)
        {
            var buffer = new byte[16 * 1024];
            while (true)
            {
                int n;
                try
                {
                    n = await client.ReceiveAsync(buffer, token);
                }
                catch (SocketException)
                {
                    n = 0;
                }
                if (n == 0)
                {
                    ClientGone();
                    return;
                }
                lock (_gate)
                {
                    if (_cut)
                    {
                        continue; // after a cut: read the client's bytes to its end, then close (see Cut)
                    }
                }
                int start = 0;
                while (start < n)
                {
                    int end;
                    bool cutNow = false;
                    bool dot = false;
                    Transaction? afterDot = null;
                    lock (_gate)
                    {
                        if (_cut)
                        {
                            break;
                        }
                        if (_inData is { } transaction)
                        {
                            // Data goes out only after the client read its 354, which came after every earlier reply.
                            _replied = null;
                            end = FindDataEnd(buffer.AsSpan(start, n - start));
                            dot = end >= 0;
                            end = dot ? start + end : n;
                            if (transaction.Cut == FaultStep.MidData)
                            {
                                end = start + Math.Max(1, (end - start) / 2);
                                cutNow = true;
                                dot = false;
                            }
                            Remember(buffer.AsSpan(start, end - start));
                            if (dot)
                            {
                                // Before the bytes go on: the server's reply may come back before this pump runs again.
                                _inData = null;
                                _dotSent = transaction;
                                _awaiting.Enqueue((".", transaction));
                                transaction.MessageId = MessageIdPattern().Match(Encoding.Latin1.GetString(_dataHead.ToArray()))
                                    is { Success: true } m ? m.Groups[1].Value : null;
                                afterDot = transaction.Cut == FaultStep.AfterDot ? transaction : null;
                                // The server may answer the dot before this pump has cut the connection: its reply must
                                // not reach the client, or the cut would be counted in the window for a message that
                                // the client knows was accepted.
                                _muted |= afterDot is not null;
                            }
                        }
                        else
                        {
                            int lf = Array.IndexOf(buffer, (byte)'\n', start, n - start);
                            end = lf < 0 ? n : lf + 1;
                            _clientLine.Append(Encoding.Latin1.GetString(buffer, start, end - start));
                            if (lf >= 0)
                            {
                                Command(_clientLine.ToString().TrimEnd('\r', '\n'));
                                _clientLine.Clear();
                            }
                        }
                    }
                    await upstream.SendAsync(buffer.AsMemory(start, end - start), token);
                    start = end;
                    if (cutNow)
                    {
                        Cut(FaultStep.MidData, null);
                        break;
                    }
                    if (afterDot is not null)
                    {
                        Cut(FaultStep.AfterDot, afterDot);
                        break;
                    }
                }
            }
        }

        public async Task ServerToClientAsync(CancellationToken token)
        {
            var buffer = new byte[16 * 1024];
            while (true)
            {
                int n;
                try
                {
                    n = await upstream.ReceiveAsync(buffer, token);
                }
                catch (SocketException)
                {
                    n = 0;
                }
                if (n == 0)
                {
                    lock (_gate)
                    {
                        if (_cut || _muted)
                        {
                            return; // the client's side is closed once it has closed it (ClientGone)
                        }
                    }
                    EndClient();
                    return;
                }
                lock (_gate)
                {
                    if (_cut || _muted)
                    {
                        continue; // read to the end, so the server finishes with what it was sent before the cut
                    }
                }
                int start = 0;
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] != '\n')
                    {
                        continue;
                    }
                    _serverLine.Append(Encoding.Latin1.GetString(buffer, start, i + 1 - start));
                    var segment = buffer.AsMemory(start, i + 1 - start);
                    start = i + 1;
                    string line = _serverLine.ToString().TrimEnd('\r', '\n');
                    _serverLine.Clear();
                    bool last = line.Length == 3 || (line.Length > 3 && line[3] == ' ');
                    FaultStep? cutBefore = null, cutAfter = null;
                    Transaction? of = null;
                    if (last)
                    {
                        lock (_gate)
                        {
                            if (_cut || _muted)
                            {
                                break;
                            }
                            (cutBefore, cutAfter, of) = Reply(line);
                        }
                    }
                    if (cutBefore is { } before)
                    {
                        Cut(before, of);
                        break;
                    }
                    await client.SendAsync(segment, token);
                    if (cutAfter is { } after)
                    {
                        Cut(after, of);
                        break;
                    }
                }
                bool cut;
                lock (_gate)
                {
                    cut = _cut || _muted;
                }
                if (start < n && !cut)
                {
                    _serverLine.Append(Encoding.Latin1.GetString(buffer, start, n - start));
                    await client.SendAsync(buffer.AsMemory(start, n - start), token);
                }
            }
        }

        /// <summary>A complete reply from the server: decides whether to cut before or after passing it on, and says
        /// which transaction it belongs to.</summary>
        private (FaultStep? Before, FaultStep? After, Transaction? Of) Reply(string line)
        {
            _replies++;
            var (to, of) = _awaiting.Count > 0 ? _awaiting.Dequeue() : ("", null);
            if (_replies == 1 && ConnectionCut == FaultStep.Greeting)
            {
                return (FaultStep.Greeting, null, null);
            }
            if (to == "EHLO" && ConnectionCut == FaultStep.EhloReply)
            {
                return (FaultStep.EhloReply, null, null);
            }
            switch (to)
            {
                case "MAIL" when of?.Cut == FaultStep.MailReply:
                    return (FaultStep.MailReply, null, of);
                case "DATA" when line.StartsWith("354", StringComparison.Ordinal):
                    if (of?.Cut == FaultStep.DataReply)
                    {
                        return (FaultStep.DataReply, null, of);
                    }
                    _inData = of;
                    _tail = "\r\n";
                    _dataHead.SetLength(0);
                    return (null, null, of);
                case ".":
                    if (of?.Cut == FaultStep.DotReply)
                    {
                        return (FaultStep.DotReply, null, of);
                    }
                    _dotSent = null;
                    _replied = of;
                    return (null, of?.Cut == FaultStep.AfterDotReply ? FaultStep.AfterDotReply : null, of);
                default:
                    return (null, null, of);
            }
        }

        /// <summary>A command line from the client.</summary>
        private void Command(string line)
        {
            int space = line.IndexOf(' ');
            string verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
            if (verb is not ("RSET" or "MAIL" or "RCPT" or "DATA"))
            {
                // An envelope may have left in the same write as the previous message's end, before its reply was read;
                // anything else (QUIT, NOOP...) comes after the client read it.
                _replied = null;
            }
            if (verb == "MAIL")
            {
                lock (proxy._gate)
                {
                    proxy.Transactions++;
                    _current = new Transaction(proxy.Chance() ? TransactionSteps[proxy._random.Next(TransactionSteps.Length)] : null);
                }
            }
            _awaiting.Enqueue((verb, verb is "RSET" or "MAIL" or "RCPT" or "DATA" ? _current : null));
        }

        /// <summary>Finds the end of the data ("CRLF.CRLF", the first CRLF possibly passed on earlier) in bytes about to
        /// be passed on; returns the index just past it, or -1.</summary>
        private int FindDataEnd(ReadOnlySpan<byte> bytes)
        {
            string window = _tail + Encoding.Latin1.GetString(bytes);
            int at = window.IndexOf("\r\n.\r\n", StringComparison.Ordinal);
            return at < 0 ? -1 : at + 5 - _tail.Length;
        }

        private void Remember(ReadOnlySpan<byte> passed)
        {
            string combined = _tail + Encoding.Latin1.GetString(passed);
            _tail = combined.Length > 4 ? combined[^4..] : combined;
            if (_dataHead.Length < 8192)
            {
                _dataHead.Write(passed[..Math.Min(passed.Length, 8192 - (int)_dataHead.Length)]);
            }
        }

        private void ClientGone()
        {
            lock (_gate)
            {
                if (_cut)
                {
                    EndClient(); // the client has closed its side after a cut: nothing is left unread
                    return;
                }
                _cut = true;
                lock (proxy._gate)
                {
                    if (_dotSent?.MessageId is { } inWindow)
                    {
                        proxy.ClientGoneInWindow.Add(inWindow);
                    }
                    else if (_replied?.MessageId is { } afterReply)
                    {
                        proxy.ClientGoneAfterReply.Add(afterReply);
                    }
                }
            }
            EndUpstream();
        }

        private void Cut(FaultStep step, Transaction? of)
        {
            lock (_gate)
            {
                if (_cut)
                {
                    return;
                }
                _cut = true;
                lock (proxy._gate)
                {
                    bool inWindow = step is FaultStep.AfterDot or FaultStep.DotReply or FaultStep.AfterDotReply;
                    proxy.Cuts.Add((step, inWindow ? of?.MessageId : null));
                }
            }
            // A FIN after the replies already passed on, not a close: closing a socket with unread bytes from the client
            // (a pipelining client has usually sent more) sends a reset, and a reset makes the client's kernel drop
            // replies it had received and not yet read, such as the previous message's 250, so that message would be
            // in doubt without the relay knowing. The client's side is read to its end, then closed (ClientGone).
            EndClientSending();
            EndUpstream();
        }

        /// <summary>Sends the client a FIN after what was passed on; the socket stays open for reading.</summary>
        private void EndClientSending()
        {
            try
            {
                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        /// <summary>Closes the client's connection at once.</summary>
        private void EndClient()
        {
            try
            {
                client.Shutdown(SocketShutdown.Both);
                client.Close();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        /// <summary>
        /// Ends the server's connection gracefully: a FIN after the bytes already passed on, so the server still reads
        /// a final dot sent just before; the relay reads the server's side to its end before closing it (closing with
        /// unread data would send a reset, which can make the server drop what it had not read yet).
        /// </summary>
        private void EndUpstream()
        {
            try
            {
                upstream.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        /// <summary>Closes both sides (when the relay ends).</summary>
        public void Close()
        {
            EndClient();
            try
            {
                upstream.Close();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>One mail transaction: where the relay will cut it, and (once its data was seen) its Message-ID.</summary>
    private sealed class Transaction(FaultStep? cut)
    {
        public FaultStep? Cut { get; } = cut;

        public string? MessageId { get; set; }
    }

    [GeneratedRegex(@"Message-ID: (<[^>\r\n]+>)", RegexOptions.IgnoreCase)]
    private static partial Regex MessageIdPattern();
}
