using System.Text;

namespace Herald.IntegrationTests.Tls;

/// <summary>
/// Records what a component reports while it runs: the protocol trace, the SSLStatus lines and every
/// SSLServerAuthentication event, optionally deciding that event's Accept.
/// </summary>
internal sealed class SessionLog
{
    private readonly List<(int Direction, string Line)> _trace = [];
    private readonly List<string> _sslStatus = [];
    private readonly List<ServerAuthentication> _authentications = [];

    /// <summary>Attaches to <paramref name="smtp"/>.</summary>
    /// <param name="smtp">The component.</param>
    /// <param name="decide">When set, the SSLServerAuthentication handler sets Accept to what it returns.</param>
    public SessionLog(Smtp smtp, Func<SmtpSSLServerAuthenticationEventArgs, bool>? decide = null)
    {
        smtp.OnPITrail += (_, e) =>
        {
            lock (_trace)
            {
                _trace.Add((e.Direction, e.Message));
            }
        };
        smtp.OnSSLStatus += (_, e) =>
        {
            lock (_sslStatus)
            {
                _sslStatus.Add(e.Message);
            }
        };
        smtp.OnSSLServerAuthentication += (_, e) =>
        {
            bool arrived = e.Accept;
            if (decide is not null)
            {
                e.Accept = decide(e);
            }
            lock (_authentications)
            {
                _authentications.Add(new ServerAuthentication(e.CertEncoded, e.CertEncodedB, e.CertSubject, e.CertIssuer, e.Status,
                    arrived, e.Accept));
            }
        };
    }

    /// <summary>The lines the client sent (trace direction 0).</summary>
    public IReadOnlyList<string> ClientLines => Lines(0);

    /// <summary>The lines the server sent (trace direction 1).</summary>
    public IReadOnlyList<string> ServerLines => Lines(1);

    /// <summary>The component's own notes (trace direction 2).</summary>
    public IReadOnlyList<string> InfoLines => Lines(2);

    /// <summary>The SSLStatus messages.</summary>
    public IReadOnlyList<string> SslStatus
    {
        get
        {
            lock (_sslStatus)
            {
                return _sslStatus.ToList();
            }
        }
    }

    /// <summary>Every SSLServerAuthentication event, in order.</summary>
    public IReadOnlyList<ServerAuthentication> Authentications
    {
        get
        {
            lock (_authentications)
            {
                return _authentications.ToList();
            }
        }
    }

    /// <summary>The whole record, for assertion messages.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        lock (_trace)
        {
            foreach (var (direction, line) in _trace)
            {
                sb.Append(direction switch { 0 => "C: ", 1 => "S: ", _ => "*  " }).AppendLine(line);
            }
        }
        foreach (string status in SslStatus)
        {
            sb.Append("SSL: ").AppendLine(status);
        }
        return sb.ToString();
    }

    private List<string> Lines(int direction)
    {
        lock (_trace)
        {
            return _trace.Where(t => t.Direction == direction).Select(t => t.Line).ToList();
        }
    }
}

/// <summary>One SSLServerAuthentication event as the handler saw it.</summary>
/// <param name="CertEncoded">The PEM text.</param>
/// <param name="CertEncodedB">The DER bytes.</param>
/// <param name="CertSubject">The subject.</param>
/// <param name="CertIssuer">The issuer.</param>
/// <param name="Status">The validation status.</param>
/// <param name="AcceptArrived">Accept as the event delivered it (the component's verdict).</param>
/// <param name="AcceptLeft">Accept as the handler left it.</param>
internal sealed record ServerAuthentication(string CertEncoded, byte[] CertEncodedB, string CertSubject, string CertIssuer,
    string Status, bool AcceptArrived, bool AcceptLeft);
