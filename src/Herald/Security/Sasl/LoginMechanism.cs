using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// LOGIN (draft-murchison-sasl-login): no initial response; the server prompts for the user name and then the
/// password, and each answer is sent as one response. The prompts are decided by their order; their text is only
/// checked when it is recognisable, because servers word (and localise) them freely.
/// </summary>
internal sealed class LoginMechanism : SaslMechanism
{
    /// <summary>The wire name.</summary>
    public const string MechanismName = "LOGIN";

    private readonly SaslCredentials _credentials;
    // How many prompts have been answered: 0 none, 1 the user name, 2 the password too.
    private int _answered;

    /// <summary>Checks the credentials and prepares the mechanism.</summary>
    /// <exception cref="SmtpException">Code 10022 when User or Password is empty.</exception>
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
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        Prompt prompt = Classify(challenge);
        switch (_answered)
        {
            case 0:
                if (prompt == Prompt.Password)
                {
                    throw new SaslException(
                        "The server asked AUTH LOGIN for the password before the user name; refusing to send it.");
                }

                _answered = 1;
                return Encoding.UTF8.GetBytes(_credentials.User);
            case 1:
                if (prompt == Prompt.User)
                {
                    throw new SaslException(
                        "The server asked AUTH LOGIN for the user name a second time instead of the password.");
                }

                _answered = 2;
                IsComplete = true;
                return Encoding.UTF8.GetBytes(_credentials.Password);
            default:
                throw UnexpectedChallenge();
        }
    }

    /// <summary>What a prompt asks for, when that is recognisable.</summary>
    private enum Prompt
    {
        Unknown,
        User,
        Password,
    }

    /// <summary>Recognises the usual "Username:" and "Password:" prompts, ignoring case.</summary>
    private static Prompt Classify(ReadOnlySpan<byte> challenge)
    {
        string text = Encoding.UTF8.GetString(challenge);
        bool password = text.Contains("pass", StringComparison.OrdinalIgnoreCase);
        bool user = text.Contains("user", StringComparison.OrdinalIgnoreCase) ||
                    text.Contains("name", StringComparison.OrdinalIgnoreCase);
        return (user, password) switch
        {
            (true, false) => Prompt.User,
            (false, true) => Prompt.Password,
            _ => Prompt.Unknown,
        };
    }
}
