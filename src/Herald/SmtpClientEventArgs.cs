namespace Herald;

/// <summary>Arguments of <see cref="SmtpClient.BeforeAuth"/>: the credentials and mechanisms about to be used, which the
/// handler may change.</summary>
public sealed class SmtpClientBeforeAuthEventArgs : EventArgs
{
    internal SmtpClientBeforeAuthEventArgs(string username, string password, string authentications, IReadOnlyCollection<string> offered)
    {
        Username = username;
        Password = password;
        Authentications = authentications;
        ServerMechanisms = offered;
    }

    /// <summary>The user name to log in with; "" skips authentication.</summary>
    public string Username { get; set; }

    /// <summary>The password (for XOAUTH2 and OAUTHBEARER: the access token).</summary>
    public string Password { get; set; }

    /// <summary>The SASL mechanisms to try, as on the wire, in order of preference, separated by commas (as config
    /// Authentications); only those listed are tried.</summary>
    public string Authentications { get; set; }

    /// <summary>The mechanisms the server offers in its EHLO reply (empty when it announces no AUTH).</summary>
    public IReadOnlyCollection<string> ServerMechanisms { get; }
}

/// <summary>Arguments of <see cref="SmtpClient.CertificateValidate"/>.</summary>
public sealed class SmtpClientCertificateValidateEventArgs : EventArgs
{
    internal SmtpClientCertificateValidateEventArgs(string address, TlsCertificate certificate, IReadOnlyList<TlsCertificate> chain,
        ChainValidationResult result, ChainValidityReasons details, string status, string log, bool accept)
    {
        Address = address;
        Certificate = certificate;
        Chain = chain;
        ValidationResult = result;
        ValidationDetails = details;
        Status = status;
        ValidationLog = log;
        Accept = accept;
    }

    /// <summary>The server name the certificate was checked against (the address given to Connect).</summary>
    public string Address { get; }

    /// <summary>The server's certificate.</summary>
    public TlsCertificate Certificate { get; }

    /// <summary>The chain as validated, the server's certificate first.</summary>
    public IReadOnlyList<TlsCertificate> Chain { get; }

    /// <summary>What validation concluded.</summary>
    public ChainValidationResult ValidationResult { get; }

    /// <summary>Why the chain is not simply valid.</summary>
    public ChainValidityReasons ValidationDetails { get; }

    /// <summary>"OK", or the problems found, in words.</summary>
    public string Status { get; }

    /// <summary>The validation log (one line per certificate of the chain, then the result).</summary>
    public string ValidationLog { get; }

    /// <summary>
    /// The decision: it arrives holding the validation verdict (false when TLS.AutoValidateCertificates is false, so
    /// that only a handler that sets it accepts). A certificate in BlockedCerts is refused whatever is set here.
    /// </summary>
    public bool Accept { get; set; }
}

/// <summary>Arguments of <see cref="SmtpClient.Command"/>: a command sent to the server.</summary>
public sealed class SmtpClientCommandEventArgs(string command) : EventArgs
{
    /// <summary>The command line as sent (secrets masked unless config MaskSensitiveData is false).</summary>
    public string Command { get; } = command;
}

/// <summary>Arguments of <see cref="SmtpClient.CommandData"/>: a line of data that goes with the command before it
/// (an AUTH continuation).</summary>
public sealed class SmtpClientCommandDataEventArgs(string command, string data) : EventArgs
{
    /// <summary>The command the data belongs to (its verb, e.g. <c>AUTH SCRAM-SHA-256</c>).</summary>
    public string Command { get; } = command;

    /// <summary>The data line, masked (<c>****</c>) when it carries a secret.</summary>
    public string Data { get; } = data;
}

/// <summary>Arguments of <see cref="SmtpClient.CommandReply"/>: one line of a reply from the server.</summary>
public sealed class SmtpClientCommandReplyEventArgs(int code, string reply) : EventArgs
{
    /// <summary>The reply code (e.g. 250).</summary>
    public int Code { get; } = code;

    /// <summary>The reply line as received, e.g. <c>250-PIPELINING</c>.</summary>
    public string Reply { get; } = reply;
}

/// <summary>Arguments of <see cref="SmtpClient.Error"/>: a failure that does not end the call (a refused Bcc recipient).</summary>
public sealed class SmtpClientErrorEventArgs(int errorCode, string description) : EventArgs
{
    /// <summary>The error code (see <see cref="SmtpErrorCodes"/>).</summary>
    public int ErrorCode { get; } = errorCode;

    /// <summary>What happened, with the server's reply.</summary>
    public string Description { get; } = description;
}

/// <summary>Arguments of <see cref="SmtpClient.ExternalSign"/> (never raised: see that event).</summary>
public sealed class SmtpClientExternalSignEventArgs : EventArgs
{
    private SmtpClientExternalSignEventArgs()
    {
    }

    /// <summary>The request's id.</summary>
    public string OperationId { get; } = "";

    /// <summary>The hash algorithm.</summary>
    public string HashAlgorithm { get; } = "";

    /// <summary>The data to sign (hex).</summary>
    public string Data { get; } = "";

    /// <summary>The signature the handler returns (hex).</summary>
    public string SignedData { get; set; } = "";
}

/// <summary>Arguments of <see cref="SmtpClient.Notification"/>: something happened on the connection.</summary>
public sealed class SmtpClientNotificationEventArgs(string eventId, string eventParam) : EventArgs
{
    /// <summary>
    /// What happened: <c>Connected</c>, <c>TlsEstablished</c>, <c>Disconnected</c>, <c>TlsStatus</c> (a TLS progress
    /// note), <c>Info</c> (a note from the client, such as a fallback it made), <c>TransferStarted</c>,
    /// <c>TransferFinished</c>.
    /// </summary>
    public string EventId { get; } = eventId;

    /// <summary>The details in words.</summary>
    public string EventParam { get; } = eventParam;
}

/// <summary>Arguments of <see cref="SmtpClient.Progress"/>: message data sent so far.</summary>
public sealed class SmtpClientProgressEventArgs(long total, long current) : EventArgs
{
    /// <summary>The message's size as DATA carries it (line ends as CRLF), or -1 when it is not known (a stream that
    /// cannot seek).</summary>
    public long Total { get; } = total;

    /// <summary>How much of it has been sent, in the same units.</summary>
    public long Current { get; } = current;

    /// <summary>Set to true to stop the transfer: the call fails with 301, the connection is closed and nothing is
    /// delivered.</summary>
    public bool Cancel { get; set; }
}
