using System.Buffers;
using System.Net;
using System.Net.Security;

namespace Herald.Security.Sasl;

/// <summary>
/// <see cref="IGssapiContext"/> over <see cref="NegotiateAuthentication"/> with the "Kerberos" package, which on
/// Linux and macOS calls the system GSS-API library (MIT Kerberos' libgssapi_krb5.so.2 or Heimdal) with the raw
/// Kerberos V5 mechanism that RFC 4752 requires, and on Windows calls SSPI.
/// </summary>
internal sealed class KerberosContext : IGssapiContext
{
    private readonly NegotiateAuthentication _authentication;

    /// <summary>Creates the context for the service principal <c>smtp/host</c>.</summary>
    /// <param name="credentials">The user and password, or an empty password to use the ticket cache (kinit).</param>
    public KerberosContext(SaslCredentials credentials)
    {
        // .NET takes an SPN "service/host"; on Unix it rewrites it to the GSS host-based service name
        // "service@host" (GSS_C_NT_HOSTBASED_SERVICE), which is what RFC 4752 §3.1 specifies.
        var options = new NegotiateAuthenticationClientOptions
        {
            Package = "Kerberos",
            TargetName = "smtp/" + credentials.Host,
            // RFC 4752 §3.1: the client should request mutual authentication; integrity is needed for GSS_Wrap.
            RequireMutualAuthentication = true,
            RequiredProtectionLevel = ProtectionLevel.Sign,
            Credential = string.IsNullOrEmpty(credentials.Password)
                ? CredentialCache.DefaultNetworkCredentials
                : new NetworkCredential(credentials.User, credentials.Password, credentials.Domain),
        };
        _authentication = new NegotiateAuthentication(options);
    }

    /// <inheritdoc/>
    public bool IsMutuallyAuthenticated => _authentication.IsAuthenticated && _authentication.IsMutuallyAuthenticated;

    /// <inheritdoc/>
    public NegotiateAuthenticationStatusCode Step(ReadOnlySpan<byte> incomingToken, out byte[] outgoingToken)
    {
        outgoingToken = _authentication.GetOutgoingBlob(incomingToken, out NegotiateAuthenticationStatusCode status) ?? [];
        return status;
    }

    /// <inheritdoc/>
    public NegotiateAuthenticationStatusCode Unwrap(ReadOnlySpan<byte> message, out byte[] data)
    {
        var writer = new ArrayBufferWriter<byte>();
        NegotiateAuthenticationStatusCode status = _authentication.Unwrap(message, writer, out _);
        data = writer.WrittenSpan.ToArray();
        return status;
    }

    /// <inheritdoc/>
    public NegotiateAuthenticationStatusCode Wrap(ReadOnlySpan<byte> data, out byte[] message)
    {
        var writer = new ArrayBufferWriter<byte>();
        NegotiateAuthenticationStatusCode status = _authentication.Wrap(data, writer, requestEncryption: false, out _);
        message = writer.WrittenSpan.ToArray();
        return status;
    }

    /// <inheritdoc/>
    public void Dispose() => _authentication.Dispose();
}
