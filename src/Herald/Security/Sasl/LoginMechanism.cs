using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// LOGIN (draft-murchison-sasl-login): no initial response; the first challenge is answered with the user name and
/// the second with the password. The text of the challenges is ignored, as the draft says: servers word, localise,
/// leave empty or even swap their prompts, and answering by order is what every server expects. Sending the user name
/// to a prompt that says "Password" reveals nothing that the exchange would not send anyway.
/// </summary>
internal sealed class LoginMechanism : SaslMechanism
{
    /// <summary>The wire name.</summary>
    public const string MechanismName = "LOGIN";

    private readonly SaslCredentials _credentials;
    // How many challenges have been answered: 0 none, 1 the user name, 2 the password too.
    private int _answered;

    /// <summary>Checks the credentials and prepares the mechanism.</summary>
    /// <exception cref="SmtpException">Code 10022 when the user name or the password is empty.</exception>
    public LoginMechanism(SaslCredentials credentials)
    {
        CredentialChecks.RequireUser(credentials, MechanismName);
        CredentialChecks.RequirePassword(credentials, MechanismName);
        _credentials = credentials;
    }

    /// <inheritdoc/>
    public override string Name => MechanismName;

    /// <inheritdoc/>
    public override bool HasInitialResponse => false;

    /// <inheritdoc/>
    public override bool SendsSecretInClear => true;

    /// <inheritdoc/>
    public override byte[] GetInitialResponse() =>
        throw new InvalidOperationException("AUTH LOGIN has no initial response.");

    /// <inheritdoc/>
    /// <exception cref="SaslException">A third challenge arrived (the exchange is then cancelled with "*").</exception>
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        switch (_answered)
        {
            case 0:
                _answered = 1;
                return Encoding.UTF8.GetBytes(_credentials.User);
            case 1:
                _answered = 2;
                IsComplete = true;
                return Encoding.UTF8.GetBytes(_credentials.Password);
            default:
                throw UnexpectedChallenge();
        }
    }
}
