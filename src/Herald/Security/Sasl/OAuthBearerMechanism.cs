using System.Globalization;
using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// OAUTHBEARER (RFC 7628): the initial response is a GS2 header naming the user, then <c>^A</c>-separated key/value
/// pairs (host, port, <c>auth=Bearer TOKEN</c>) and a closing <c>^A^A</c>. On failure the server sends a JSON error
/// challenge, which the client records and answers with a single <c>^A</c> (§3.2.3) before the final failure reply.
/// </summary>
internal sealed class OAuthBearerMechanism : SaslMechanism
{
    /// <summary>The wire name.</summary>
    public const string MechanismName = "OAUTHBEARER";

    private readonly SaslCredentials _credentials;
    private readonly string _token;
    private bool _sent;
    private string? _serverError;

    /// <summary>Checks the credentials and prepares the mechanism.</summary>
    /// <exception cref="SmtpException">Code 10022 when the token (AuthorizationIdentity) is missing or a value contains
    /// a separator character.</exception>
    public OAuthBearerMechanism(SaslCredentials credentials)
    {
        CredentialChecks.Reject(credentials.User, '\u0001', credentials.Terms.User, MechanismName);
        CredentialChecks.Reject(credentials.Host, '\u0001', "The host name", MechanismName);
        _token = CredentialChecks.BearerToken(credentials, MechanismName);
        _credentials = credentials;
    }

    /// <inheritdoc/>
    public override string Name => MechanismName;

    /// <inheritdoc/>
    public override bool HasInitialResponse => true;

    /// <inheritdoc/>
    public override bool SendsSecretInClear => true;

    /// <inheritdoc/>
    public override string? ServerError => _serverError;

    /// <inheritdoc/>
    public override byte[] GetInitialResponse()
    {
        if (_sent)
        {
            throw InitialResponseAlreadyTaken();
        }

        _sent = true;
        // RFC 7628 §3.1: gs2-header with the authzid (the user, as a saslname where ',' and '=' are escaped), then
        // kvpairs each ended by ^A, then a final ^A.
        var message = new StringBuilder("n,");
        if (_credentials.User.Length > 0)
        {
            message.Append("a=").Append(Gs2.EscapeSaslName(_credentials.User));
        }

        message.Append(",\u0001");
        if (_credentials.Host.Length > 0)
        {
            message.Append("host=").Append(_credentials.Host).Append('\u0001');
        }

        if (_credentials.Port > 0)
        {
            message.Append("port=").Append(_credentials.Port.ToString(CultureInfo.InvariantCulture)).Append('\u0001');
        }

        message.Append("auth=Bearer ").Append(_token).Append("\u0001\u0001");
        return Encoding.UTF8.GetBytes(message.ToString());
    }

    /// <inheritdoc/>
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        if (!_sent && challenge.IsEmpty)
        {
            return GetInitialResponse(); // RFC 4954 §4: the empty challenge asks for the initial response
        }

        if (!_sent || IsComplete)
        {
            throw UnexpectedChallenge();
        }

        _serverError = OAuthError.Describe(challenge);
        IsComplete = true;
        return [0x01]; // RFC 7628 §3.2.3: the client answers the error challenge with a single ^A
    }
}
