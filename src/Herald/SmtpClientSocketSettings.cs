namespace Herald;

/// <summary>
/// The socket settings of a <see cref="SmtpClient"/> (its <see cref="SmtpClient.Socket"/> property): the timeout,
/// the local end, IPv6, speed limits and name resolution. Read when a call starts.
/// </summary>
public sealed class SmtpClientSocketSettings
{
    private string _localAddress = "";
    private int _localPort;
    private int _timeout = 60_000;
    private int _incoming;
    private int _outgoing;
    private DnsResolveMode _dnsMode = DnsResolveMode.Auto;

    /// <summary>
    /// Milliseconds a call may wait for the server (to connect, or for any byte to be sent or received) before it fails
    /// with 201 and the connection is closed; every byte restarts it. 0 for no limit. Default 60000.
    /// </summary>
    /// <exception cref="SmtpException">10022 for a negative value.</exception>
    public int Timeout
    {
        get => _timeout;
        set => _timeout = value >= 0 ? value : throw Negative("Socket.Timeout", value);
    }

    /// <summary>The local address (or host name) to connect from, or "" (the default) for any.</summary>
    /// <exception cref="SmtpException">10022 when the value holds CR, LF or NUL.</exception>
    public string LocalAddress
    {
        get => _localAddress;
        set
        {
            Protocol.LineValidation.EnsureSingleLine(value, "Socket.LocalAddress");
            _localAddress = (value ?? "").Trim();
        }
    }

    /// <summary>The local port to connect from, or 0 (the default) for any.</summary>
    /// <exception cref="SmtpException">10022 outside 0-65535.</exception>
    public int LocalPort
    {
        get => _localPort;
        set => _localPort = value is >= 0 and <= 65535 ? value
            : throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Socket.LocalPort {value} is not a TCP port (0-65535).");
    }

    /// <summary>True to resolve the server's name to IPv6 and IPv4 addresses (IPv6 tried first); false (the default) for
    /// IPv4 only. An address literal is used as given either way.</summary>
    public bool UseIPv6 { get; set; }

    /// <summary>Bytes per second read from the connection at most (below TLS); 0 (the default) for no limit.</summary>
    /// <exception cref="SmtpException">10022 for a negative value.</exception>
    public int IncomingSpeedLimit
    {
        get => _incoming;
        set => _incoming = value >= 0 ? value : throw Negative("Socket.IncomingSpeedLimit", value);
    }

    /// <summary>Bytes per second written to the connection at most (below TLS); 0 (the default) for no limit.</summary>
    /// <exception cref="SmtpException">10022 for a negative value.</exception>
    public int OutgoingSpeedLimit
    {
        get => _outgoing;
        set => _outgoing = value >= 0 ? value : throw Negative("Socket.OutgoingSpeedLimit", value);
    }

    /// <summary>
    /// Which resolver finds the server's address. Herald uses the system resolver (Auto, the default, and Platform);
    /// it has no resolver of its own, so Own and OwnSecure fail with 10045.
    /// </summary>
    /// <exception cref="SmtpException">10045 for Own and OwnSecure; 10022 for an undefined value.</exception>
    public DnsResolveMode DNSMode
    {
        get => _dnsMode;
        set => _dnsMode = value switch
        {
            DnsResolveMode.Auto or DnsResolveMode.Platform => value,
            DnsResolveMode.Own or DnsResolveMode.OwnSecure => throw NoOwnResolver($"Socket.DNSMode {value}"),
            _ => throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Socket.DNSMode {(int)value} is not a defined value."),
        };
    }

    /// <summary>The port DNS queries go to. The system resolver uses its own configuration: 53 (the default) is the
    /// only value (anything else fails with 10045).</summary>
    /// <exception cref="SmtpException">10045 for any value but 53.</exception>
    public int DNSPort
    {
        get => 53;
        set
        {
            if (value != 53)
            {
                throw NoOwnResolver("Socket.DNSPort");
            }
        }
    }

    /// <summary>The DNS servers to ask. The system resolver uses its own configuration: "" (the default) is the only
    /// value (anything else fails with 10045).</summary>
    /// <exception cref="SmtpException">10045 for a non-empty value.</exception>
    public string DNSServers
    {
        get => "";
        set
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                throw NoOwnResolver("Socket.DNSServers");
            }
        }
    }

    /// <summary>Milliseconds for each DNS query. The system resolver cannot be given a timeout (a blocking lookup
    /// cannot be abandoned): 0 (the default) is the only value; <see cref="Timeout"/> still bounds the call.</summary>
    /// <exception cref="SmtpException">10045 for any value but 0.</exception>
    public int DNSQueryTimeout
    {
        get => 0;
        set
        {
            if (value != 0)
            {
                throw NoOwnResolver("Socket.DNSQueryTimeout");
            }
        }
    }

    /// <summary>Milliseconds for the whole name resolution. As <see cref="DNSQueryTimeout"/>: 0 is the only value.</summary>
    /// <exception cref="SmtpException">10045 for any value but 0.</exception>
    public int DNSTotalTimeout
    {
        get => 0;
        set
        {
            if (value != 0)
            {
                throw NoOwnResolver("Socket.DNSTotalTimeout");
            }
        }
    }

    private static SmtpException NoOwnResolver(string what) =>
        new(SmtpErrorCodes.NotSupported,
            $"{what} cannot be honoured: Herald resolves names with the system resolver (getaddrinfo), which takes its " +
            "servers, port and timeouts from the system's configuration, and has no resolver of its own.");

    private static SmtpException Negative(string what, int value) =>
        new(SmtpErrorCodes.InvalidArgument, $"{what} must be 0 or more, not {value}.");
}
