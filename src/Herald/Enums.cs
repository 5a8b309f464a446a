namespace Herald;

#pragma warning disable CA1707 // member names keep the documented component's spelling so ported code compiles

/// <summary>How the Smtp component authenticates when User is set.</summary>
public enum SmtpAuthMechanisms
{
    /// <summary>The best of AUTH PLAIN and AUTH LOGIN the server offers (PLAIN preferred).</summary>
    amUserPassword = 0,
    /// <summary>AUTH CRAM-MD5 (RFC 2195).</summary>
    amCRAMMD5 = 1,
    /// <summary>AUTH NTLM.</summary>
    amNTLM = 2,
    /// <summary>APOP is a POP3 mechanism; SMTP has no equivalent, so selecting it fails with a clear error.</summary>
    amAPOP = 3,
    /// <summary>AUTH PLAIN (RFC 4616) with the authorization identity from config AuthorizationIdentity.</summary>
    amSASLPlain = 4,
    /// <summary>AUTH DIGEST-MD5 (RFC 2831).</summary>
    amSASLDigestMD5 = 5,
    /// <summary>AUTH GSSAPI (Kerberos, RFC 4752).</summary>
    amKerberos = 6,
    /// <summary>AUTH XOAUTH2 with the token from config AuthorizationIdentity.</summary>
    amXOAUTH2 = 7,
    /// <summary>AUTH OAUTHBEARER (RFC 7628) with the token from config AuthorizationIdentity.</summary>
    amOAuthBearer = 8,
    /// <summary>AUTH SCRAM-SHA-1 (RFC 5802).</summary>
    amSCRAMSHA1 = 9,
    /// <summary>AUTH SCRAM-SHA-256 (RFC 7677).</summary>
    amSCRAMSHA256 = 10,
    /// <summary>AUTH LOGIN only, even when the server also offers PLAIN (for servers whose PLAIN is broken or disabled).</summary>
    amLogin = 11,
}

/// <summary>Value of the Importance header.</summary>
public enum SmtpImportances
{
    /// <summary>No Importance header.</summary>
    miUnspecified = 0,
    /// <summary><c>Importance: high</c>.</summary>
    miHigh = 1,
    /// <summary><c>Importance: normal</c>.</summary>
    miNormal = 2,
    /// <summary><c>Importance: low</c>.</summary>
    miLow = 3,
}

/// <summary>Value of the Priority header.</summary>
public enum SmtpPriorities
{
    /// <summary>No Priority header.</summary>
    epUnspecified = 0,
    /// <summary><c>Priority: normal</c>.</summary>
    epNormal = 1,
    /// <summary><c>Priority: urgent</c>.</summary>
    epUrgent = 2,
    /// <summary><c>Priority: non-urgent</c>.</summary>
    epNonUrgent = 3,
}

/// <summary>Value of the Sensitivity header.</summary>
public enum SmtpSensitivities
{
    /// <summary>No Sensitivity header.</summary>
    esUnspecified = 0,
    /// <summary><c>Sensitivity: Personal</c>.</summary>
    esPersonal = 1,
    /// <summary><c>Sensitivity: Private</c>.</summary>
    esPrivate = 2,
    /// <summary><c>Sensitivity: Company-Confidential</c>.</summary>
    esCompanyConfidential = 3,
}

/// <summary>Which TLS implementation is used.</summary>
public enum SmtpSSLProviders
{
    /// <summary>Let Herald choose (on every platform this is the .NET <c>SslStream</c>).</summary>
    sslpAutomatic = 0,
    /// <summary>The platform TLS library behind <c>SslStream</c> (OpenSSL on Linux, SChannel on Windows).</summary>
    sslpPlatform = 1,
    /// <summary>A built-in TLS implementation.</summary>
    sslpInternal = 2,
}

/// <summary>When TLS is started.</summary>
public enum SmtpSSLStartModes
{
    /// <summary>Explicit (STARTTLS) when MailPort is 25 or 587, implicit otherwise.</summary>
    sslAutomatic = 0,
    /// <summary>TLS right after the TCP connection is made (port 465).</summary>
    sslImplicit = 1,
    /// <summary>Plaintext greeting and EHLO, then STARTTLS, the handshake and EHLO again.</summary>
    sslExplicit = 2,
    /// <summary>Never use TLS (the default).</summary>
    sslNone = 3,
}

/// <summary>How a certificate store is interpreted.</summary>
public enum CertStoreTypes
{
    /// <summary>The current user's certificate store (Windows only).</summary>
    cstUser = 0,
    /// <summary>The machine certificate store (Windows only).</summary>
    cstMachine = 1,
    /// <summary>A PKCS#12 (PFX) file.</summary>
    cstPFXFile = 2,
    /// <summary>PKCS#12 (PFX) data.</summary>
    cstPFXBlob = 3,
    /// <summary>A Java key store file (not supported).</summary>
    cstJKSFile = 4,
    /// <summary>Java key store data (not supported).</summary>
    cstJKSBlob = 5,
    /// <summary>A PEM file holding a private key and a certificate.</summary>
    cstPEMKeyFile = 6,
    /// <summary>PEM data holding a private key and a certificate.</summary>
    cstPEMKeyBlob = 7,
    /// <summary>A PEM or DER file holding a public certificate.</summary>
    cstPublicKeyFile = 8,
    /// <summary>PEM or DER data holding a public certificate.</summary>
    cstPublicKeyBlob = 9,
    /// <summary>An SSH public key (not supported for TLS).</summary>
    cstSSHPublicKeyBlob = 10,
    /// <summary>A PKCS#7 (P7B) file of certificates.</summary>
    cstP7BFile = 11,
    /// <summary>PKCS#7 (P7B) data.</summary>
    cstP7BBlob = 12,
    /// <summary>An SSH public key file (not supported for TLS).</summary>
    cstSSHPublicKeyFile = 13,
    /// <summary>A PuTTY key file (not supported).</summary>
    cstPPKFile = 14,
    /// <summary>PuTTY key data (not supported).</summary>
    cstPPKBlob = 15,
    /// <summary>An XML key file (not supported).</summary>
    cstXMLFile = 16,
    /// <summary>XML key data (not supported).</summary>
    cstXMLBlob = 17,
    /// <summary>A JSON Web Key file (not supported).</summary>
    cstJWKFile = 18,
    /// <summary>JSON Web Key data (not supported).</summary>
    cstJWKBlob = 19,
    /// <summary>A BouncyCastle FIPS key store file (not supported).</summary>
    cstBCFKSFile = 21,
    /// <summary>BouncyCastle FIPS key store data (not supported).</summary>
    cstBCFKSBlob = 22,
    /// <summary>A PKCS#11 security key (not supported).</summary>
    cstPKCS11 = 23,
    /// <summary>Detect the format from the data.</summary>
    cstAuto = 99,
}

/// <summary>Kind of proxy a Firewall describes.</summary>
public enum FirewallTypes
{
    /// <summary>No proxy.</summary>
    fwNone = 0,
    /// <summary>HTTP CONNECT tunnel (default port 80).</summary>
    fwTunnel = 1,
    /// <summary>SOCKS 4 (default port 1080).</summary>
    fwSOCKS4 = 2,
    /// <summary>SOCKS 5 (default port 1080).</summary>
    fwSOCKS5 = 3,
    /// <summary>SOCKS 4A (default port 1080).</summary>
    fwSOCKS4A = 10,
}

/// <summary>Which header, if any, lists a MessageRecipient.</summary>
public enum EmailRecipientTypes
{
    /// <summary>Listed in the To header.</summary>
    rtTo = 0,
    /// <summary>Listed in the Cc header.</summary>
    rtCc = 1,
    /// <summary>Listed in no header (blind copy).</summary>
    rtBcc = 2,
}
