namespace Herald;

/// <summary>Arguments of <see cref="Smtp.OnConnectionStatus"/>.</summary>
public class SmtpConnectionStatusEventArgs : EventArgs
{
    internal SmtpConnectionStatusEventArgs(string connectionEvent, int statusCode, string description)
    {
        ConnectionEvent = connectionEvent;
        StatusCode = statusCode;
        Description = description;
    }

    /// <summary>What happened, e.g. "Remote host connection complete", "TLS handshake complete", "Remote host disconnected", and
    /// through a proxy "Firewall connection complete" and "Firewall host disconnected".</summary>
    public string ConnectionEvent { get; }

    /// <summary>0 for success, otherwise the error code of the change.</summary>
    public int StatusCode { get; }

    /// <summary>A description of the change.</summary>
    public string Description { get; }
}

/// <summary>Arguments of <see cref="Smtp.OnEndTransfer"/>.</summary>
public class SmtpEndTransferEventArgs : EventArgs
{
    internal SmtpEndTransferEventArgs(int direction) => Direction = direction;

    /// <summary>0: the client sent the data.</summary>
    public int Direction { get; }
}

/// <summary>Arguments of <see cref="Smtp.OnError"/>.</summary>
public class SmtpErrorEventArgs : EventArgs
{
    internal SmtpErrorEventArgs(int errorCode, string description)
    {
        ErrorCode = errorCode;
        Description = description;
    }

    /// <summary>The error code (see <see cref="SmtpErrorCodes"/>).</summary>
    public int ErrorCode { get; }

    /// <summary>What went wrong, including the server's reply.</summary>
    public string Description { get; }
}

/// <summary>Arguments of <see cref="Smtp.OnExpand"/>.</summary>
public class SmtpExpandEventArgs : EventArgs
{
    internal SmtpExpandEventArgs(string address) => Address = address;

    /// <summary>One address of the expanded list, as the server wrote it (<c>Name &lt;addr&gt;</c> or a bare address).</summary>
    public string Address { get; }
}

/// <summary>Arguments of <see cref="Smtp.OnPITrail"/>.</summary>
public class SmtpPITrailEventArgs : EventArgs
{
    internal SmtpPITrailEventArgs(int direction, string message)
    {
        Direction = direction;
        Message = message;
    }

    /// <summary>0: a line the client sent; 1: a line from the server; 2: a note from the component.</summary>
    public int Direction { get; }

    /// <summary>The line (secrets masked unless MaskSensitiveData is False).</summary>
    public string Message { get; }
}

/// <summary>Arguments of <see cref="Smtp.OnSSLServerAuthentication"/>. Set <see cref="Accept"/> to decide.</summary>
public class SmtpSSLServerAuthenticationEventArgs : EventArgs
{
    internal SmtpSSLServerAuthenticationEventArgs(string certEncoded, byte[] certEncodedB, string certSubject, string certIssuer,
        string status, bool accept)
    {
        CertEncoded = certEncoded;
        CertEncodedB = certEncodedB;
        CertSubject = certSubject;
        CertIssuer = certIssuer;
        Status = status;
        Accept = accept;
    }

    /// <summary>The server certificate, PEM encoded (the whole chain when SSLIncludeCertChain is True).</summary>
    public string CertEncoded { get; }

    /// <summary>The server certificate, DER encoded.</summary>
    public byte[] CertEncodedB { get; }

    /// <summary>The certificate's subject.</summary>
    public string CertSubject { get; }

    /// <summary>The certificate's issuer.</summary>
    public string CertIssuer { get; }

    /// <summary>"OK" when the certificate is valid, otherwise why it is not.</summary>
    public string Status { get; }

    /// <summary>Arrives holding the validation verdict; set it to accept a certificate that failed, or reject one that passed.</summary>
    public bool Accept { get; set; }
}

/// <summary>Arguments of <see cref="Smtp.OnSSLStatus"/>.</summary>
public class SmtpSSLStatusEventArgs : EventArgs
{
    internal SmtpSSLStatusEventArgs(string message) => Message = message;

    /// <summary>A TLS progress message.</summary>
    public string Message { get; }
}

/// <summary>Arguments of <see cref="Smtp.OnStartTransfer"/>.</summary>
public class SmtpStartTransferEventArgs : EventArgs
{
    internal SmtpStartTransferEventArgs(int direction) => Direction = direction;

    /// <summary>0: the client is sending.</summary>
    public int Direction { get; }
}

/// <summary>Arguments of <see cref="Smtp.OnTransfer"/>.</summary>
public class SmtpTransferEventArgs : EventArgs
{
    private readonly ReadOnlyMemory<byte> _chunk;
    private string? _text;
    private byte[]? _textB;

    internal SmtpTransferEventArgs(int direction, long bytesTransferred, int percentDone, ReadOnlyMemory<byte> chunk)
    {
        Direction = direction;
        BytesTransferred = bytesTransferred;
        PercentDone = percentDone;
        _chunk = chunk;
    }

    /// <summary>0: the client is sending.</summary>
    public int Direction { get; }

    /// <summary>Message bytes sent so far.</summary>
    public long BytesTransferred { get; }

    /// <summary>Percent of the message sent, or -1 when the size is not known in advance.</summary>
    public int PercentDone { get; }

    /// <summary>The piece of the message just sent, as text (UTF-8). Read it inside the handler.</summary>
    public string Text => _text ??= System.Text.Encoding.UTF8.GetString(_chunk.Span);

    /// <summary>The piece of the message just sent. Read it inside the handler.</summary>
    public byte[] TextB => _textB ??= _chunk.ToArray();
}
