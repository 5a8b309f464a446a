using System.Net.Sockets;

namespace Herald.IntegrationTests;

/// <summary>
/// The real SMTP servers and proxies that <c>scripts/peers/up.sh</c> starts on loopback: their ports, the accounts
/// they know, the test certificates, and where they keep the mail they accept.
/// </summary>
/// <remarks>
/// <para>
/// The port numbers are those of <c>scripts/peers/ports.sh</c> (change both together). Start the peers with
/// <c>scripts/peers/install.sh</c> and <c>scripts/peers/up.sh</c>; <c>scripts/test.sh</c> does both before it runs
/// the tests. Every integration test calls <see cref="RequirePeer"/> first, so that a peer that is not running
/// fails the test with the command to run, instead of skipping it or failing later on a bare socket error.
/// </para>
/// <para>
/// Run the integration tests as root (as <c>scripts/test.sh</c> does on this machine and in CI): Postfix's virtual
/// delivery writes every message into the catch-all Maildir as a mode 0600 file owned by <c>nobody</c>, which only
/// root can read. The other capture folders are readable by anyone.
/// </para>
/// </remarks>
internal static class Peers
{
    // Set when this class is first used (the static constructor pins that moment). Captures older than this, less a
    // minute of slack, come from earlier runs, so the wait methods skip them by their time stamp without reading them.
    private static readonly DateTime s_firstUse;

    static Peers() => s_firstUse = DateTime.UtcNow;

    /// <summary>The address every peer listens on.</summary>
    public const string Host = "127.0.0.1";

    /// <summary>The IPv6 loopback address; only <see cref="PostfixOpen"/> listens there too.</summary>
    public const string HostIPv6 = "::1";

    /// <summary>The name the server certificate is issued to (its CN, and a SAN next to 127.0.0.1 and ::1).</summary>
    public const string HostName = "localhost";

    // ---- Postfix (one private instance; every port accepts any recipient and never relays off the machine) ----

    /// <summary>Postfix open sink: PIPELINING, SIZE 10485760, VRFY, ETRN, STARTTLS, ENHANCEDSTATUSCODES, 8BITMIME,
    /// DSN, SMTPUTF8, CHUNKING; no AUTH needed from loopback. Also on [::1].</summary>
    public const int PostfixOpen = 25025;

    /// <summary>Postfix whose EHLO lists only VRFY (no TLS); the size limit still holds, replies still carry
    /// enhanced status codes.</summary>
    public const int PostfixBare = 25026;

    /// <summary>Postfix that answers <c>530 5.7.0 Must issue a STARTTLS command first</c> until STARTTLS.</summary>
    public const int PostfixTlsRequired = 25027;

    /// <summary>Postfix that requires STARTTLS and a client certificate chaining to <see cref="CaPem"/>.</summary>
    public const int PostfixClientCert = 25028;

    /// <summary>Postfix with implicit TLS (wrapper mode), otherwise as <see cref="PostfixOpen"/>.</summary>
    public const int PostfixImplicitTls = 25465;

    /// <summary>Postfix with Dovecot SASL, AUTH required (530 before it), offered before and after STARTTLS.
    /// Unknown <c>@example.test</c> mailboxes get <c>550 5.1.1</c> per recipient.</summary>
    public const int PostfixAuth = 25587;

    /// <summary>As <see cref="PostfixAuth"/>, implicit TLS.</summary>
    public const int PostfixAuthImplicitTls = 25588;

    /// <summary>As <see cref="PostfixAuth"/>, but AUTH is offered only after STARTTLS.</summary>
    public const int PostfixAuthTlsOnly = 25589;

    /// <summary>Postfix with Cyrus SASL (sasldb), AUTH required: PLAIN LOGIN CRAM-MD5 DIGEST-MD5 NTLM SCRAM-SHA-1
    /// SCRAM-SHA-256.</summary>
    public const int PostfixAuthCyrus = 25586;

    /// <summary>Postfix's message size limit in bytes (SIZE keyword; larger gets 552 5.3.4).</summary>
    public const int PostfixMaxMessageSize = 10485760;

    // ---- Dovecot submission (AUTH required; relays to PostfixOpen, so mail lands in the catch-all Maildir) ----

    /// <summary>Dovecot submission with STARTTLS: PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256
    /// OAUTHBEARER XOAUTH2, BURL, CHUNKING, PIPELINING, SIZE.</summary>
    public const int DovecotSubmission = 25590;

    /// <summary>Dovecot submission with implicit TLS.</summary>
    public const int DovecotSubmissionImplicitTls = 25591;

    // ---- Postfix smtp-sink ----

    /// <summary>smtp-sink: fast discard. It advertises AUTH but answers it with 250 instead of 235: do not
    /// authenticate against it.</summary>
    public const int SmtpSink = 25100;

    /// <summary>smtp-sink that writes each transaction to a file under <see cref="SinkDumpDir"/>.</summary>
    public const int SmtpSinkDump = 25101;

    /// <summary>smtp-sink that answers every RCPT with <c>500 5.3.0 Error: command failed</c>.</summary>
    public const int SmtpSinkRejectRcpt = 25102;

    /// <summary>smtp-sink that drops the connection, with no reply, after the final "." of DATA.</summary>
    public const int SmtpSinkDropAfterData = 25103;

    // ---- aiosmtpd (scripted) ----

    /// <summary>aiosmtpd with VRFY and EXPN: <c>VRFY user</c> gives <c>250 2.1.5 Test User &lt;user@example.test&gt;</c>,
    /// <c>VRFY al</c> a multi-line 553, <c>EXPN staff</c> three 250 lines, <c>EXPN all</c> five, unknown names 550.</summary>
    public const int AiosmtpdExpn = 25200;

    /// <summary>aiosmtpd that answers EHLO with <c>500 5.5.1</c>: HELO only, no ESMTP parameters.</summary>
    public const int AiosmtpdHeloOnly = 25201;

    // ---- npm smtp-server presets (captures under NodeCaptureDir(preset)) ----

    /// <summary>smtp-server: STARTTLS, optional AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2, SIZE 1048576. RCPT
    /// <c>reject*@</c>/<c>nobody*@</c> get 550 5.1.1, MAIL <c>reject*@</c> gets 553.</summary>
    public const int NodeStartTls = 25300;

    /// <summary>smtp-server: implicit TLS, AUTH required.</summary>
    public const int NodeImplicitTlsAuth = 25301;

    /// <summary>smtp-server with no PIPELINING, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES, DSN, STARTTLS or AUTH;
    /// SIZE advertised without a value, limit 64 KiB.</summary>
    public const int NodeMinimal = 25302;

    /// <summary>smtp-server: STARTTLS, AUTH required, AUTH before TLS answered <c>538 5.7.0</c>.</summary>
    public const int NodeAuthRequired = 25303;

    // ---- Helpers and proxies ----

    /// <summary>The OAuth 2.0 token introspection endpoint (RFC 7662) that Dovecot asks about XOAUTH2/OAUTHBEARER.</summary>
    public const int OAuthIntrospection = 25990;

    /// <summary>dante SOCKS5 with username/password only (RFC 1929): <see cref="Socks5User"/>. Destinations
    /// 127.0.0.0/8 only.</summary>
    public const int Socks5Auth = 10800;

    /// <summary>dante SOCKS4 (and SOCKS5 without auth); no SOCKS4a. Destinations 127.0.0.0/8 only.</summary>
    public const int Socks4 = 10801;

    /// <summary>OpenSSH <c>ssh -D</c>: SOCKS4, SOCKS4a and SOCKS5 without auth, by name or address; destinations
    /// localhost and 127.0.0.1 only.</summary>
    public const int SshSocks = 10802;

    /// <summary>The private sshd that carries the <see cref="SshSocks"/> tunnel.</summary>
    public const int Sshd = 10822;

    /// <summary>tinyproxy HTTP CONNECT with Basic auth (<see cref="HttpProxyUser"/>; none gives 407). Destinations
    /// 127.0.0.1 and localhost only (others 403).</summary>
    public const int HttpProxyAuth = 10880;

    /// <summary>tinyproxy HTTP CONNECT without auth, same destination filter.</summary>
    public const int HttpProxyOpen = 10881;

    // ---- Accounts ----

    /// <summary>The SMTP user known to Dovecot, Cyrus and smtp-server.</summary>
    public const string User = "user@example.test";

    /// <summary>The password of <see cref="User"/>.</summary>
    public const string Password = "s3cret!";

    /// <summary>A second SMTP user.</summary>
    public const string OtherUser = "other@example.test";

    /// <summary>The password of <see cref="OtherUser"/>.</summary>
    public const string OtherPassword = "0ther-pass";

    /// <summary>An OAuth bearer token that the introspection endpoint maps to <see cref="User"/>. Any other token
    /// is inactive: Dovecot answers with a 334 JSON error challenge and then 535.</summary>
    public const string UserOAuthToken = "user-oauth-token";

    /// <summary>An OAuth bearer token that maps to <see cref="OtherUser"/> (Dovecot only).</summary>
    public const string OtherOAuthToken = "other-oauth-token";

    /// <summary>The SOCKS5 user on <see cref="Socks5Auth"/> (a system account).</summary>
    public const string Socks5User = "peerproxy";

    /// <summary>The password of <see cref="Socks5User"/>.</summary>
    public const string Socks5Password = "proxy-pass";

    /// <summary>The Basic-auth user on <see cref="HttpProxyAuth"/>.</summary>
    public const string HttpProxyUser = "proxyuser";

    /// <summary>The password of <see cref="HttpProxyUser"/>.</summary>
    public const string HttpProxyPassword = "proxy-pass";

    /// <summary>The mailboxes Postfix's AUTH ports know in <c>example.test</c>; any other gets 550 5.1.1 there.</summary>
    public static readonly IReadOnlyList<string> KnownMailboxes =
        ["user@example.test", "other@example.test", "admin@example.test", "catchall@example.test", "postmaster@example.test"];

    /// <summary>On every Postfix port a recipient whose local part starts with this gets 550 5.1.1 (and on the ports
    /// without AUTH, such a sender gets 553 5.7.1).</summary>
    public const string RejectPrefix = "reject";

    /// <summary>On every Postfix port a recipient whose local part starts with this gets 450 4.2.1 (and on the ports
    /// without AUTH, such a sender gets 451 4.3.0).</summary>
    public const string TempFailPrefix = "tempfail";

    // ---- Files ----

    /// <summary>Where the peers keep their state: <c>$HERALD_PEERS_STATE</c>, default <c>/tmp/herald-peers</c>.</summary>
    public static string StateDir =>
        Environment.GetEnvironmentVariable("HERALD_PEERS_STATE") is { Length: > 0 } dir ? dir : "/tmp/herald-peers";

    /// <summary>The test certificates (throw-away keys made by <c>scripts/peers/certs.sh</c>).</summary>
    public static string CertDir => Path.Combine(StateDir, "certs");

    /// <summary>The test CA (PEM) that every peer's certificate, and the client certificate, chain to.</summary>
    public static string CaPem => Path.Combine(CertDir, "ca.pem");

    /// <summary>The server certificate (PEM): CN localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1.</summary>
    public static string ServerCertificate => Path.Combine(CertDir, "server.crt");

    /// <summary>The server's private key (PEM).</summary>
    public static string ServerKey => Path.Combine(CertDir, "server.key");

    /// <summary>The server certificate followed by the CA (PEM).</summary>
    public static string ServerChainPem => Path.Combine(CertDir, "server-chain.pem");

    /// <summary>The server certificate, key and CA as PKCS#12, password <see cref="PfxPassword"/>.</summary>
    public static string ServerPfx => Path.Combine(CertDir, "server.pfx");

    /// <summary>The client certificate (PEM), CN user@example.test, accepted by <see cref="PostfixClientCert"/>.</summary>
    public static string ClientCertificate => Path.Combine(CertDir, "client.crt");

    /// <summary>The client's private key (PEM).</summary>
    public static string ClientKey => Path.Combine(CertDir, "client.key");

    /// <summary>The client key followed by its certificate, in one PEM file.</summary>
    public static string ClientPem => Path.Combine(CertDir, "client.pem");

    /// <summary>The client certificate, key and CA as PKCS#12, password <see cref="PfxPassword"/>.</summary>
    public static string ClientPfx => Path.Combine(CertDir, "client.pfx");

    /// <summary>The password of <see cref="ServerPfx"/> and <see cref="ClientPfx"/>.</summary>
    public const string PfxPassword = "password";

    /// <summary>
    /// The catch-all Maildir: every message accepted on any Postfix port, or by Dovecot submission (which relays to
    /// Postfix), lands here as one file per recipient, with <c>X-Original-To:</c> naming that recipient. The files
    /// are mode 0600, owned by nobody: read them as root.
    /// </summary>
    public static string CatchallMaildir => Path.Combine(StateDir, "mail", "catchall", "new");

    /// <summary>Where <see cref="SmtpSinkDump"/> writes each transaction (in dated subfolders).</summary>
    public static string SinkDumpDir => Path.Combine(StateDir, "sink-dump");

    /// <summary>Where <see cref="AiosmtpdExpn"/> writes each message (<c>*.eml</c>, with X-Peer-Mail-From and
    /// X-Peer-Rcpt-To headers added).</summary>
    public static string AiosmtpdExpnCaptureDir => Path.Combine(StateDir, "aiosmtpd", "expn");

    /// <summary>Where <see cref="AiosmtpdHeloOnly"/> writes each message.</summary>
    public static string AiosmtpdHeloOnlyCaptureDir => Path.Combine(StateDir, "aiosmtpd", "helo");

    /// <summary>The peers' logs (postfix.log, dovecot.log, one per other peer).</summary>
    public static string LogDir => Path.Combine(StateDir, "logs");

    /// <summary>Where an smtp-server preset writes each message (<c>*.eml</c>, with X-Peer-Mail-From,
    /// X-Peer-Rcpt-To, X-Peer-Auth-User and X-Peer-Secure headers added).</summary>
    /// <param name="preset">The preset: <c>node-starttls</c>, <c>node-implicit-auth</c>, <c>node-minimal</c> or
    /// <c>node-auth-required</c>.</param>
    public static string NodeCaptureDir(string preset) => Path.Combine(StateDir, "node", preset);

    /// <summary>A marker that no other message contains, to put in a header (say <c>X-Test-Id</c>) or a plain ASCII
    /// body line, so that a test finds its own message among the captures.</summary>
    public static string NewMarker() => "herald-" + Guid.NewGuid().ToString("N");

    /// <summary>Fails the calling test unless a peer accepts TCP connections on the port.</summary>
    /// <param name="port">One of the port constants of this class.</param>
    /// <param name="host">The address or name to try: <see cref="Host"/> unless the test uses <see cref="HostIPv6"/>
    /// or <see cref="HostName"/>.</param>
    /// <exception cref="InvalidOperationException">Nothing accepts the connection within 5 seconds; the message
    /// names the peer and the command that starts it.</exception>
    public static void RequirePeer(int port, string host = Host)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            client.ConnectAsync(host, port, timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            string why = e is SocketException se ? se.SocketErrorCode.ToString() : "no answer within 5 s";
            string where = host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";
            throw new InvalidOperationException(
                $"{Describe(port)} on {where} is not running ({why}): run scripts/peers/up.sh "
                + $"(after scripts/peers/install.sh on a new machine; state in {StateDir})", e);
        }
    }

    /// <summary>
    /// Waits until the catch-all Maildir (<see cref="CatchallMaildir"/>) holds a message containing the marker,
    /// and returns its text.
    /// </summary>
    /// <param name="marker">Text that only the expected message contains (see <see cref="NewMarker"/>).</param>
    /// <param name="timeout">How long to wait; 15 seconds by default (delivery takes well under one).</param>
    /// <exception cref="TimeoutException">No such message arrived in time.</exception>
    /// <exception cref="InvalidOperationException">The files cannot be read because the tests do not run as root.
    /// </exception>
    public static async Task<string> WaitForMaildirMessageAsync(string marker, TimeSpan? timeout = null) =>
        (await WaitForCapturesAsync(CatchallMaildir, marker, 1, timeout).ConfigureAwait(false))[0];

    /// <summary>
    /// Waits until a capture folder (any of the <c>*Dir</c> paths of this class, searched with its subfolders)
    /// holds at least <paramref name="count"/> files containing the marker, and returns their text, oldest first.
    /// Postfix writes one file per recipient, so a message to three recipients is three files.
    /// </summary>
    /// <param name="directory">The capture folder.</param>
    /// <param name="marker">Text that only the expected messages contain (see <see cref="NewMarker"/>).</param>
    /// <param name="count">How many files to wait for.</param>
    /// <param name="timeout">How long to wait; 15 seconds by default.</param>
    /// <exception cref="TimeoutException">Fewer files arrived in time; the message says how many did.</exception>
    /// <exception cref="InvalidOperationException">A file cannot be read because the tests do not run as root.
    /// </exception>
    public static async Task<IReadOnlyList<string>> WaitForCapturesAsync(
        string directory, string marker, int count = 1, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(marker);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var limit = timeout ?? TimeSpan.FromSeconds(15);
        var notBefore = s_firstUse - TimeSpan.FromMinutes(1);
        var deadline = DateTime.UtcNow + limit;
        var found = new List<(DateTime Time, string Text)>();
        while (true)
        {
            found.Clear();
            if (Directory.Exists(directory))
            {
                foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories))
                {
                    if (file.LastWriteTimeUtc < notBefore)
                    {
                        continue;
                    }
                    string? text = ReadCapture(file);
                    if (text is not null && text.Contains(marker, StringComparison.Ordinal))
                    {
                        found.Add((file.LastWriteTimeUtc, text));
                    }
                }
            }
            if (found.Count >= count)
            {
                return found.OrderBy(f => f.Time).Select(f => f.Text).ToList();
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"After {limit.TotalSeconds:0.#} s, {found.Count} of {count} expected file(s) containing '{marker}' "
                    + $"are in {directory}. The peers' logs are in {LogDir}.");
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    private static string? ReadCapture(FileInfo file)
    {
        try
        {
            return File.ReadAllText(file.FullName);
        }
        catch (FileNotFoundException)
        {
            return null; // moved or removed between listing and reading
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidOperationException(
                $"Cannot read {file.FullName}: captured mail is mode 0600 and owned by nobody. "
                + "Run the integration tests as root (scripts/test.sh does when it runs as root).", e);
        }
    }

    private static string Describe(int port) => port switch
    {
        PostfixOpen or PostfixBare or PostfixTlsRequired or PostfixClientCert or PostfixImplicitTls
            or PostfixAuth or PostfixAuthImplicitTls or PostfixAuthTlsOnly or PostfixAuthCyrus => "Postfix",
        DovecotSubmission or DovecotSubmissionImplicitTls => "Dovecot submission",
        SmtpSink or SmtpSinkDump or SmtpSinkRejectRcpt or SmtpSinkDropAfterData => "smtp-sink",
        AiosmtpdExpn or AiosmtpdHeloOnly => "aiosmtpd",
        NodeStartTls or NodeImplicitTlsAuth or NodeMinimal or NodeAuthRequired => "smtp-server (npm)",
        OAuthIntrospection => "The OAuth introspection endpoint",
        Socks5Auth or Socks4 => "dante",
        SshSocks => "ssh -D",
        Sshd => "sshd",
        HttpProxyAuth or HttpProxyOpen => "tinyproxy",
        _ => "The peer",
    };
}
