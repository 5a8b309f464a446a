using System.Net.Security;

namespace Herald.Security.Sasl;

/// <summary>
/// The GSS-API calls the GSSAPI mechanism needs (RFC 2743: init_sec_context, wrap, unwrap), behind an interface so
/// the SASL layer's bytes can be tested without a Kerberos KDC.
/// </summary>
internal interface IGssapiContext : IDisposable
{
    /// <summary>True once the security context is established with mutual authentication: the server proved its
    /// identity with its Kerberos AP-REP.</summary>
    bool IsMutuallyAuthenticated { get; }

    /// <summary>One GSS_Init_sec_context step: consumes the server's token (empty for the first call) and produces
    /// the token to send (possibly empty).</summary>
    /// <returns><see cref="NegotiateAuthenticationStatusCode.Completed"/> when the context is established,
    /// <see cref="NegotiateAuthenticationStatusCode.ContinueNeeded"/> when another server token is expected, any other
    /// value on failure.</returns>
    NegotiateAuthenticationStatusCode Step(ReadOnlySpan<byte> incomingToken, out byte[] outgoingToken);

    /// <summary>GSS_Unwrap: checks and removes the protection of a message from the server.</summary>
    NegotiateAuthenticationStatusCode Unwrap(ReadOnlySpan<byte> message, out byte[] data);

    /// <summary>GSS_Wrap with integrity only (conf_flag FALSE, as RFC 4752 §3.1 requires for the layer reply).</summary>
    NegotiateAuthenticationStatusCode Wrap(ReadOnlySpan<byte> data, out byte[] message);
}
