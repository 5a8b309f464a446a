namespace Herald;

/// <summary>An X.509 certificate, with or without its private key, used for SSLCert, SSLAcceptServerCert and SSLServerCert.</summary>
public class Certificate
{
    /// <summary>Creates an empty certificate.</summary>
    public Certificate()
    {
    }
}
