using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// XOAUTH2 (Google's and Microsoft's OAuth 2.0 mechanism): the initial response is
/// <c>user=USER ^A auth=Bearer TOKEN ^A ^A</c>. A server that rejects the token answers with a <c>334</c> carrying a
/// base64 JSON error; the client records it and sends an empty response, after which the server sends the final
/// failure reply.
/// </summary>
internal sealed class XOAuth2Mechanism : SaslMechanism
{
    /// <summary>The wire name.</summary>
    public const string MechanismName = "XOAUTH2";

    private readonly string _user;
    private readonly string _token;
    private bool _sent;
    private string? _serverError;

    /// <summary>Checks the credentials and prepares the mechanism.</summary>
    /// <exception cref="SmtpException">Code 10022 when User or the token (AuthorizationIdentity) is missing or
    /// contains a separator character.</exception>
    public XOAuth2Mechanism(SaslCredentials credentials)
    {
        CredentialChecks.RequireUser(credentials, MechanismName);
        CredentialChecks.Reject(credentials.User, '\u0001', credentials.Terms.User, MechanismName);
        _token = CredentialChecks.BearerToken(credentials, MechanismName);
        _user = credentials.User;
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
        return Encoding.UTF8.GetBytes($"user={_user}\u0001auth=Bearer {_token}\u0001\u0001");
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

        // The only challenge after the initial response is the error report; the empty answer lets the server finish
        // with its failure reply.
        _serverError = OAuthError.Describe(challenge);
        IsComplete = true;
        return [];
    }
}
