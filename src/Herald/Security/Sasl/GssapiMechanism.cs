using System.Net.Security;
using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// GSSAPI with Kerberos V5 (RFC 4752). The first context token is the initial response; server tokens are fed to
/// the context until it is established; then the server sends a wrapped 4-byte security-layer offer, and the client
/// answers with a wrapped "no security layer" choice plus the authorization identity (§3.1).
/// </summary>
internal sealed class GssapiMechanism : SaslMechanism
{
    /// <summary>The wire name.</summary>
    public const string MechanismName = "GSSAPI";

    /// <summary>RFC 4752 §3.3 security-layer bit: no security layer.</summary>
    internal const byte NoSecurityLayer = 1;

    private readonly SaslCredentials _credentials;
    private readonly Func<SaslCredentials, IGssapiContext> _contextFactory;
    private IGssapiContext? _context;
    private State _state;
    private bool _verified;

    /// <summary>Prepares the mechanism for the service principal <c>smtp/host</c>.</summary>
    /// <exception cref="SmtpException">Code 10022 when the host name is empty.</exception>
    public GssapiMechanism(SaslCredentials credentials) : this(credentials, c => new KerberosContext(c))
    {
    }

    /// <summary>Prepares the mechanism with another GSS-API implementation, for tests.</summary>
    /// <exception cref="SmtpException">Code 10022 when the host name is empty.</exception>
    internal GssapiMechanism(SaslCredentials credentials, Func<SaslCredentials, IGssapiContext> contextFactory)
    {
        CredentialChecks.RequireHost(credentials, MechanismName);
        _credentials = credentials;
        _contextFactory = contextFactory;
    }

    private enum State
    {
        Initial,
        Negotiating,
        AwaitingSecurityLayer,
        Done,
    }

    /// <inheritdoc/>
    public override string Name => MechanismName;

    /// <inheritdoc/>
    public override bool HasInitialResponse => true;

    /// <inheritdoc/>
    public override bool SendsSecretInClear => false;

    /// <inheritdoc/>
    public override bool RequiresServerVerification => true;

    /// <inheritdoc/>
    public override bool ServerVerified => _verified;

    /// <inheritdoc/>
    public override byte[] GetInitialResponse()
    {
        if (_state != State.Initial)
        {
            throw InitialResponseAlreadyTaken();
        }

        _context = CreateContext();
        NegotiateAuthenticationStatusCode status;
        byte[] token;
        try
        {
            status = _context.Step([], out token);
        }
        catch (Exception ex) when (IsMissingLibrary(ex))
        {
            throw MissingLibrary(ex);
        }

        if (status is not (NegotiateAuthenticationStatusCode.ContinueNeeded or NegotiateAuthenticationStatusCode.Completed))
        {
            throw CannotStart(status);
        }

        _state = status == NegotiateAuthenticationStatusCode.Completed ? State.AwaitingSecurityLayer : State.Negotiating;
        return token;
    }

    /// <inheritdoc/>
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        switch (_state)
        {
            case State.Initial when challenge.IsEmpty:
                return GetInitialResponse(); // RFC 4954 §4: the empty challenge asks for the initial response
            case State.Initial:
                throw new SaslException("The server sent a GSSAPI token before the client's first token.");
            case State.Negotiating:
                NegotiateAuthenticationStatusCode status = _context!.Step(challenge, out byte[] token);
                if (status == NegotiateAuthenticationStatusCode.Completed)
                {
                    // RFC 4752 §3.1: once the context is complete the client sends the last token, or an empty
                    // response, and waits for the wrapped security-layer offer.
                    _state = State.AwaitingSecurityLayer;
                }
                else if (status != NegotiateAuthenticationStatusCode.ContinueNeeded)
                {
                    throw new SaslException($"The server's Kerberos token was rejected by the GSS-API library ({status}); " +
                                            "the server could not be authenticated.");
                }

                return token;
            case State.AwaitingSecurityLayer:
                return AnswerSecurityLayer(challenge);
            default:
                throw UnexpectedChallenge();
        }
    }

    /// <inheritdoc/>
    public override void Dispose() => _context?.Dispose();

    /// <summary>
    /// The plaintext of the client's RFC 4752 §3.1 reply to the server's unwrapped security-layer offer: the chosen
    /// layer (no security layer), a maximum message size of 0 (required when no layer is chosen) and the UTF-8
    /// authorization identity.
    /// </summary>
    /// <exception cref="SaslException">The offer is not 4 bytes or does not allow running without a layer.</exception>
    internal static byte[] BuildSecurityLayerReply(ReadOnlySpan<byte> offer, string authorizationIdentity)
    {
        if (offer.Length != 4)
        {
            throw new SaslException($"The server's GSSAPI security-layer offer is {offer.Length} bytes long; RFC 4752 §3.1 " +
                                    "defines 4 (a layer bit mask and a 3-byte maximum message size).");
        }

        if ((offer[0] & NoSecurityLayer) == 0)
        {
            throw new SaslException($"The server requires a GSSAPI security layer (offer 0x{offer[0]:X2}: integrity " +
                                    "or confidentiality only); Herald relies on TLS instead and supports none. Allow " +
                                    "the \"none\" layer on the server.");
        }

        byte[] authzid = Encoding.UTF8.GetBytes(authorizationIdentity);
        byte[] reply = new byte[4 + authzid.Length];
        reply[0] = NoSecurityLayer;
        authzid.CopyTo(reply, 4);
        return reply;
    }

    private byte[] AnswerSecurityLayer(ReadOnlySpan<byte> challenge)
    {
        NegotiateAuthenticationStatusCode status = _context!.Unwrap(challenge, out byte[] offer);
        if (status != NegotiateAuthenticationStatusCode.Completed)
        {
            throw new SaslException($"The server's GSSAPI security-layer offer failed the integrity check ({status}).");
        }

        byte[] reply = BuildSecurityLayerReply(offer, _credentials.AuthorizationIdentity);
        status = _context.Wrap(reply, out byte[] wrapped);
        if (status != NegotiateAuthenticationStatusCode.Completed)
        {
            throw new SaslException($"The GSS-API library could not wrap the security-layer reply ({status}).");
        }

        _verified = _context.IsMutuallyAuthenticated;
        _state = State.Done;
        IsComplete = true;
        return wrapped;
    }

    private IGssapiContext CreateContext()
    {
        try
        {
            return _contextFactory(_credentials);
        }
        catch (Exception ex) when (IsMissingLibrary(ex))
        {
            throw MissingLibrary(ex);
        }
    }

    // How a missing or broken GSS-API library surfaces from System.Net.Security's native shim.
    private static bool IsMissingLibrary(Exception ex) =>
        ex is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException
            or PlatformNotSupportedException;

    private static SmtpException MissingLibrary(Exception ex) =>
        new(SmtpErrorCodes.NotSupported,
            "AUTH GSSAPI (Kerberos) is not available: the system GSS-API library could not be loaded. On Linux .NET " +
            "needs libgssapi_krb5.so.2 (Debian/Ubuntu package libgssapi-krb5-2, Fedora/RHEL krb5-libs).", ex);

    private SmtpException CannotStart(NegotiateAuthenticationStatusCode status)
    {
        string principal = string.IsNullOrEmpty(_credentials.Password) ? "the ticket cache's default principal"
                                                                        : $"\"{_credentials.User}\"";
        string detail = status switch
        {
            NegotiateAuthenticationStatusCode.Unsupported =>
                "the GSS-API library has no Kerberos mechanism (on Linux .NET needs libgssapi_krb5.so.2 from MIT " +
                "Kerberos: Debian/Ubuntu package libgssapi-krb5-2, Fedora/RHEL krb5-libs)",
            NegotiateAuthenticationStatusCode.UnknownCredentials or NegotiateAuthenticationStatusCode.InvalidCredentials =>
                $"there are no usable Kerberos credentials for {principal}: the KDC refused the password, no ticket is " +
                $"cached (run kinit, or set {_credentials.Terms.User} to user@REALM and {_credentials.Terms.Password}), or no " +
                "KDC can be reached for the realm " +
                "(check /etc/krb5.conf or KRB5_CONFIG)",
            NegotiateAuthenticationStatusCode.CredentialsExpired =>
                $"the Kerberos ticket for {principal} has expired: run kinit again",
            NegotiateAuthenticationStatusCode.TargetUnknown =>
                $"the KDC does not know the service principal smtp/{_credentials.Host}: register it, or connect with " +
                "the host name it is registered under",
            _ => $"the GSS-API library reported {status}; check that the KDC knows the service principal " +
                 $"smtp/{_credentials.Host} and that the Kerberos configuration maps {_credentials.Host} to its realm",
        };
        return new SmtpException(SmtpErrorCodes.NotSupported, $"AUTH GSSAPI (Kerberos) cannot start: {detail}.");
    }
}
