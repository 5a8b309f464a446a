using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677) without channel binding. The client-first message is the
/// initial response; the server-first message brings the salt and iteration count; the client-final message carries
/// the proof; the server-final message carries the server signature, which is verified before the empty final
/// response, so the server proves that it knows the password too.
/// </summary>
internal sealed class ScramMechanism : SaslMechanism
{
    /// <summary>The wire name of SCRAM with SHA-1.</summary>
    public const string Sha1Name = "SCRAM-SHA-1";

    /// <summary>The wire name of SCRAM with SHA-256.</summary>
    public const string Sha256Name = "SCRAM-SHA-256";

    /// <summary>
    /// The smallest iteration count accepted. RFC 7677 §4 and RFC 5802 §5.1 recommend at least 4096; a server that
    /// asks for less would make a captured proof cheap to attack by brute force, which is what a rogue server wants.
    /// </summary>
    internal const int MinimumIterations = 4096;

    /// <summary>The largest iteration count accepted, so a hostile server cannot make the client compute for
    /// minutes (ten million rounds take a few seconds).</summary>
    internal const int MaximumIterations = 10_000_000;

    private readonly string _name;
    private readonly HashAlgorithmName _hash;
    private readonly string _password;
    private readonly string _clientNonce;
    // gs2-header (RFC 5802 §7): "n" (no channel binding), the optional authzid, and the closing comma.
    private readonly string _gs2Header;
    private readonly string _clientFirstBare;
    private State _state;
    // The server signature the server-final message must carry; set with the client-final message.
    private byte[]? _expectedServerSignature;
    private bool _verified;

    /// <summary>Checks the credentials and prepares the mechanism.</summary>
    /// <param name="name"><see cref="Sha1Name"/> or <see cref="Sha256Name"/>.</param>
    /// <param name="credentials">The credentials.</param>
    /// <exception cref="SmtpException">Code 10022 when User or Password is empty or fails SASLprep.</exception>
    public ScramMechanism(string name, SaslCredentials credentials) : this(name, credentials, null)
    {
    }

    /// <summary>Prepares the mechanism with a fixed client nonce, for tests against published examples.</summary>
    /// <exception cref="SmtpException">Code 10022 when User or Password is empty or fails SASLprep.</exception>
    internal ScramMechanism(string name, SaslCredentials credentials, string? clientNonce)
    {
        _hash = name switch
        {
            Sha1Name => HashAlgorithmName.SHA1,
            Sha256Name => HashAlgorithmName.SHA256,
            _ => throw new ArgumentException($"{name} is not a SCRAM mechanism this class implements.", nameof(name)),
        };
        _name = name;
        CredentialChecks.RequireUser(credentials, name);
        CredentialChecks.RequirePassword(credentials, name);

        // RFC 5802 §5.1: user names and passwords are prepared with SASLprep.
        string user = SaslPrep.Prepare(credentials.User, credentials.Terms.User);
        _password = SaslPrep.Prepare(credentials.Password, credentials.Terms.Password);
        if (_password.Length == 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{credentials.Terms.Password} is empty after SASLprep (it holds only characters that SASLprep removes); AUTH {name} " +
                "needs a real password.");
        }

        string authzid = credentials.AuthorizationIdentity;
        _gs2Header = authzid.Length > 0
            ? "n,a=" + Gs2.EscapeSaslName(SaslPrep.Prepare(authzid, credentials.Terms.AuthorizationIdentity)) + ","
            : "n,,";
        // 18 random bytes give 24 base64 characters: printable, never ',' (RFC 5802 §7 "printable").
        _clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        _clientFirstBare = "n=" + Gs2.EscapeSaslName(user) + ",r=" + _clientNonce;
    }

    private enum State
    {
        Initial,
        AwaitingServerFirst,
        AwaitingServerFinal,
        Done,
    }

    /// <inheritdoc/>
    public override string Name => _name;

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

        _state = State.AwaitingServerFirst;
        return Encoding.UTF8.GetBytes(_gs2Header + _clientFirstBare);
    }

    /// <inheritdoc/>
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        switch (_state)
        {
            case State.Initial when challenge.IsEmpty:
                return GetInitialResponse(); // RFC 4954 §4: the empty challenge asks for the initial response
            case State.Initial:
                throw new SaslException($"The server sent a non-empty AUTH {_name} challenge before the client-first message.");
            case State.AwaitingServerFirst:
                return AnswerServerFirst(Decode(challenge, "server-first"));
            case State.AwaitingServerFinal:
                return CheckServerFinal(Decode(challenge, "server-final"));
            default:
                throw UnexpectedChallenge();
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        if (_expectedServerSignature is not null)
        {
            CryptographicOperations.ZeroMemory(_expectedServerSignature);
        }
    }

    private byte[] AnswerServerFirst(string serverFirst)
    {
        // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
        string[] attributes = serverFirst.Split(',');
        if (attributes[0].StartsWith("m=", StringComparison.Ordinal))
        {
            throw new SaslException($"The server's {_name} server-first message requires an extension (m=) that " +
                                    "Herald does not know; RFC 5802 §5.1 says to fail.");
        }

        CheckServerError(attributes[0]);
        if (attributes.Length < 3)
        {
            throw Malformed("server-first", "it needs nonce, salt and iteration count");
        }

        string nonce = Attribute(attributes[0], 'r', "server-first");
        string saltText = Attribute(attributes[1], 's', "server-first");
        string iterationText = Attribute(attributes[2], 'i', "server-first");

        foreach (char c in nonce)
        {
            if (c is < '!' or > '~')
            {
                throw Malformed("server-first", "the nonce contains a character that is not printable ASCII");
            }
        }

        // RFC 5802 §5.1: the combined nonce starts with the client's nonce; the server appends its own part.
        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
        {
            throw new SaslException($"The server's {_name} nonce does not extend the client's nonce, so the reply does " +
                                    "not belong to this exchange (a replay or a broken server).");
        }

        byte[] salt;
        try
        {
            salt = Convert.FromBase64String(saltText);
        }
        catch (FormatException ex)
        {
            throw new SaslException($"The server's {_name} salt is not valid base64.", ex);
        }

        if (salt.Length == 0)
        {
            throw Malformed("server-first", "the salt is empty");
        }

        if (iterationText.Length == 0 || iterationText.Length > 10 || !iterationText.All(char.IsAsciiDigit) ||
            !int.TryParse(iterationText, NumberStyles.None, CultureInfo.InvariantCulture, out int iterations))
        {
            throw Malformed("server-first", $"the iteration count '{iterationText}' is not a number");
        }

        if (iterations < MinimumIterations || iterations > MaximumIterations)
        {
            throw new SaslException($"The server's {_name} iteration count {iterations} is outside the accepted range " +
                                    $"{MinimumIterations}..{MaximumIterations}; a count that low makes the password " +
                                    "easy to recover from the exchange (RFC 7677 §4 asks for at least 4096).");
        }

        string clientFinalWithoutProof = "c=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header)) + ",r=" + nonce;
        byte[] authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof);
        byte[] proof = ComputeProof(_hash, _password, salt, iterations, authMessage, out _expectedServerSignature);

        _state = State.AwaitingServerFinal;
        return Encoding.UTF8.GetBytes(clientFinalWithoutProof + ",p=" + Convert.ToBase64String(proof));
    }

    private byte[] CheckServerFinal(string serverFinal)
    {
        // server-final-message = (server-error / verifier) ["," extensions]
        string first = serverFinal.Split(',')[0];
        CheckServerError(first);
        string signatureText = Attribute(first, 'v', "server-final");
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureText);
        }
        catch (FormatException ex)
        {
            throw new SaslException($"The server's {_name} signature is not valid base64.", ex);
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature))
        {
            throw new SaslException($"The server's {_name} signature is wrong: the server does not know the password, so " +
                                    "it may not be the server it claims to be.");
        }

        _verified = true;
        _state = State.Done;
        IsComplete = true;
        return [];
    }

    /// <summary>
    /// RFC 5802 §3: SaltedPassword = Hi(password, salt, i) (PBKDF2 with HMAC), ClientKey = HMAC(SaltedPassword,
    /// "Client Key"), StoredKey = H(ClientKey), ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage), and
    /// ServerSignature = HMAC(HMAC(SaltedPassword, "Server Key"), AuthMessage).
    /// </summary>
    private static byte[] ComputeProof(HashAlgorithmName hash, string password, byte[] salt, int iterations,
        byte[] authMessage, out byte[] serverSignature)
    {
        int length = hash == HashAlgorithmName.SHA1 ? 20 : 32;
        byte[] passwordBytes = Encoding.UTF8.GetBytes(password);
        byte[] saltedPassword = Rfc2898DeriveBytes.Pbkdf2(passwordBytes, salt, iterations, hash, length);
        CryptographicOperations.ZeroMemory(passwordBytes);

        byte[] clientKey = CryptographicOperations.HmacData(hash, saltedPassword, "Client Key"u8);
        byte[] storedKey = CryptographicOperations.HashData(hash, clientKey);
        byte[] clientSignature = CryptographicOperations.HmacData(hash, storedKey, authMessage);
        byte[] proof = new byte[length];
        for (int i = 0; i < length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        }

        byte[] serverKey = CryptographicOperations.HmacData(hash, saltedPassword, "Server Key"u8);
        serverSignature = CryptographicOperations.HmacData(hash, serverKey, authMessage);
        CryptographicOperations.ZeroMemory(saltedPassword);
        CryptographicOperations.ZeroMemory(clientKey);
        CryptographicOperations.ZeroMemory(serverKey);
        return proof;
    }

    private void CheckServerError(string attribute)
    {
        if (attribute.StartsWith("e=", StringComparison.Ordinal))
        {
            throw new SaslException($"The server rejected the {_name} exchange: {attribute[2..]}.");
        }
    }

    private string Attribute(string attribute, char name, string message)
    {
        if (attribute.Length < 2 || attribute[0] != name || attribute[1] != '=')
        {
            throw Malformed(message, $"expected the attribute '{name}=' but found '{Shorten(attribute)}'");
        }

        return attribute[2..];
    }

    private string Decode(ReadOnlySpan<byte> challenge, string message)
    {
        if (challenge.IsEmpty)
        {
            throw Malformed(message, "it is empty");
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(challenge);
        }
        catch (DecoderFallbackException ex)
        {
            throw new SaslException($"The server's {_name} {message} message is not valid UTF-8.", ex);
        }
    }

    private SaslException Malformed(string message, string detail) =>
        new($"The server's {_name} {message} message is malformed: {detail}.");

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
