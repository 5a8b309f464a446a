using System.Security.Cryptography;
using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// CRAM-MD5 (RFC 2195): the server sends a challenge; the client answers with its user name, a space and the
/// lowercase hex HMAC-MD5 of the challenge keyed with the password.
/// </summary>
internal sealed class CramMd5Mechanism : SaslMechanism
{
    /// <summary>The wire name.</summary>
    public const string MechanismName = "CRAM-MD5";

    private readonly SaslCredentials _credentials;

    /// <summary>Checks the credentials and prepares the mechanism.</summary>
    /// <exception cref="SmtpException">Code 10022 when User or Password is empty.</exception>
    public CramMd5Mechanism(SaslCredentials credentials)
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
    public override bool SendsSecretInClear => false;

    /// <inheritdoc/>
    public override byte[] GetInitialResponse() =>
        throw new InvalidOperationException("AUTH CRAM-MD5 has no initial response.");

    /// <inheritdoc/>
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        if (IsComplete)
        {
            throw UnexpectedChallenge();
        }

        // RFC 2195 §2: the challenge is a msg-id, never empty; answering an empty one would let anyone replay it.
        if (challenge.IsEmpty)
        {
            throw new SaslException("The server sent an empty AUTH CRAM-MD5 challenge; RFC 2195 requires a msg-id.");
        }

        byte[] key = Encoding.UTF8.GetBytes(_credentials.Password);
        byte[] digest = HMACMD5.HashData(key, challenge);
        CryptographicOperations.ZeroMemory(key);
        IsComplete = true;
        return Encoding.UTF8.GetBytes(_credentials.User + " " + Convert.ToHexStringLower(digest));
    }
}
