using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// PLAIN (RFC 4616): one message, <c>authzid NUL authcid NUL passwd</c> in UTF-8, sent as the initial response.
/// </summary>
internal sealed class PlainMechanism : SaslMechanism
{
    /// <summary>The wire name.</summary>
    public const string MechanismName = "PLAIN";

    private readonly SaslCredentials _credentials;
    // Whether the single message has been produced (as the initial response or as the answer to an empty 334).
    private bool _sent;

    /// <summary>Checks the credentials and prepares the mechanism.</summary>
    /// <exception cref="SmtpException">Code 10022 when User or Password is empty or a value contains NUL.</exception>
    public PlainMechanism(SaslCredentials credentials)
    {
        CredentialChecks.RequireUser(credentials, MechanismName);
        CredentialChecks.RequirePassword(credentials, MechanismName);
        // NUL separates the three fields (RFC 4616 §2), so none of them may contain it.
        CredentialChecks.Reject(credentials.User, '\0', credentials.Terms.User, MechanismName);
        CredentialChecks.Reject(credentials.Password, '\0', credentials.Terms.Password, MechanismName);
        CredentialChecks.Reject(credentials.AuthorizationIdentity, '\0', credentials.Terms.AuthorizationIdentity, MechanismName);
        _credentials = credentials;
    }

    /// <inheritdoc/>
    public override string Name => MechanismName;

    /// <inheritdoc/>
    public override bool HasInitialResponse => true;

    /// <inheritdoc/>
    public override bool SendsSecretInClear => true;

    /// <inheritdoc/>
    public override byte[] GetInitialResponse()
    {
        if (_sent)
        {
            throw InitialResponseAlreadyTaken();
        }

        _sent = true;
        IsComplete = true;
        return Encoding.UTF8.GetBytes(
            $"{_credentials.AuthorizationIdentity}\0{_credentials.User}\0{_credentials.Password}");
    }

    /// <inheritdoc/>
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        // RFC 4954 §4: a client that sent no initial response gets an empty challenge and answers it with the
        // message it would have sent on the AUTH line.
        if (!_sent && challenge.IsEmpty)
        {
            return GetInitialResponse();
        }

        if (!_sent)
        {
            throw new SaslException("The server sent a non-empty challenge to AUTH PLAIN, which defines none.");
        }

        throw UnexpectedChallenge();
    }
}
