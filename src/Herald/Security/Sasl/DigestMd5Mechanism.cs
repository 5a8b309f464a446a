using System.Security.Cryptography;
using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// DIGEST-MD5 (RFC 2831) with <c>qop=auth</c> and no security layer. The first challenge carries the server's
/// nonce and options; the response proves knowledge of the password; the second challenge carries the server's
/// <c>rspauth</c>, which proves the server knows it too and is checked before the empty final response.
/// </summary>
internal sealed class DigestMd5Mechanism : SaslMechanism
{
    /// <summary>The wire name.</summary>
    public const string MechanismName = "DIGEST-MD5";

    // The nonce count: this client sends exactly one response per nonce (RFC 2831 §2.1.2).
    private const string NonceCount = "00000001";

    private readonly SaslCredentials _credentials;
    private readonly string _digestUri;
    private readonly string _cnonce;
    // The rspauth value the server must send, lowercase hex; set once the response is built.
    private string? _expectedRspAuth;
    private bool _verified;

    /// <summary>Checks the credentials and prepares the mechanism for the SMTP service.</summary>
    /// <exception cref="SmtpException">Code 10022 when User, Password or the host name is empty.</exception>
    public DigestMd5Mechanism(SaslCredentials credentials) : this(credentials, "smtp", null)
    {
    }

    /// <summary>
    /// Prepares the mechanism with an explicit service type (RFC 2831 digest-uri <c>serv-type</c>) and, for tests, a
    /// fixed client nonce.
    /// </summary>
    /// <exception cref="SmtpException">Code 10022 when User, Password or the host name is empty.</exception>
    internal DigestMd5Mechanism(SaslCredentials credentials, string service, string? cnonce)
    {
        CredentialChecks.RequireUser(credentials, MechanismName);
        CredentialChecks.RequirePassword(credentials, MechanismName);
        CredentialChecks.RequireHost(credentials, MechanismName);
        _credentials = credentials;
        _digestUri = service + "/" + credentials.Host;
        // 18 random bytes give 24 base64 characters with no padding; RFC 2831 asks for at least 64 bits of entropy.
        _cnonce = cnonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    }

    /// <inheritdoc/>
    public override string Name => MechanismName;

    /// <inheritdoc/>
    public override bool HasInitialResponse => false;

    /// <inheritdoc/>
    public override bool SendsSecretInClear => false;

    /// <inheritdoc/>
    public override bool RequiresServerVerification => true;

    /// <inheritdoc/>
    public override bool ServerVerified => _verified;

    /// <inheritdoc/>
    public override byte[] GetInitialResponse() =>
        throw new InvalidOperationException("AUTH DIGEST-MD5 has no initial response.");

    /// <inheritdoc/>
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        if (IsComplete)
        {
            throw UnexpectedChallenge();
        }

        return _expectedRspAuth is null ? AnswerChallenge(challenge) : CheckRspAuth(challenge);
    }

    private byte[] AnswerChallenge(ReadOnlySpan<byte> challenge)
    {
        if (challenge.IsEmpty)
        {
            throw new SaslException("The server sent an empty AUTH DIGEST-MD5 challenge; it must carry a nonce.");
        }

        var realms = new List<string>();
        string? nonce = null, qopOptions = null, charset = null, algorithm = null, maxbuf = null, stale = null;
        foreach (var (name, value) in DigestDirectives.Parse(DecodeChallenge(challenge)))
        {
            // RFC 2831 §2.1.1: every directive except realm may appear at most once; a repeat aborts the exchange.
            switch (name)
            {
                case "realm": realms.Add(value); break;
                case "nonce": SetOnce(ref nonce, name, value); break;
                case "qop": SetOnce(ref qopOptions, name, value); break;
                case "charset": SetOnce(ref charset, name, value); break;
                case "algorithm": SetOnce(ref algorithm, name, value); break;
                case "maxbuf": SetOnce(ref maxbuf, name, value); break;
                case "stale": SetOnce(ref stale, name, value); break;
                default: break; // cipher (only for auth-conf) and unknown directives are ignored, as §2.1.1 requires
            }
        }

        if (nonce is null)
        {
            throw new SaslException("The server's DIGEST-MD5 challenge has no nonce.");
        }

        if (!string.Equals(algorithm, "md5-sess", StringComparison.OrdinalIgnoreCase))
        {
            throw new SaslException(algorithm is null
                ? "The server's DIGEST-MD5 challenge has no algorithm directive; RFC 2831 requires algorithm=md5-sess."
                : $"The server's DIGEST-MD5 challenge asks for algorithm={algorithm}; only md5-sess is defined.");
        }

        bool utf8 = charset is not null;
        if (utf8 && !string.Equals(charset, "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            throw new SaslException($"The server's DIGEST-MD5 challenge names charset={charset}; only utf-8 is defined.");
        }

        // qop defaults to "auth" when absent (§2.1.1). This client offers no integrity or privacy layer.
        bool authOffered = qopOptions is null ||
            qopOptions.Split(',').Any(q => string.Equals(q.Trim(), "auth", StringComparison.OrdinalIgnoreCase));
        if (!authOffered)
        {
            throw new SaslException(
                $"The server's DIGEST-MD5 challenge offers only qop=\"{qopOptions}\"; Herald supports qop=auth " +
                "(authentication without a security layer), so the server would need to allow it.");
        }

        string realm = ChooseRealm(realms);
        string user = _credentials.User;
        string authzid = _credentials.AuthorizationIdentity;
        Encoding wire = utf8 ? Encoding.UTF8 : Encoding.Latin1;
        if (!utf8)
        {
            EnsureLatin1(user, _credentials.Terms.User);
            EnsureLatin1(authzid, _credentials.Terms.AuthorizationIdentity);
            EnsureLatin1(_credentials.Password, _credentials.Terms.Password);
        }

        string ha1 = ComputeHa1(user, realm, _credentials.Password, nonce, _cnonce, authzid, utf8);
        string response = ComputeResponse(ha1, nonce, _cnonce, "AUTHENTICATE:" + _digestUri);
        _expectedRspAuth = ComputeResponse(ha1, nonce, _cnonce, ":" + _digestUri);

        // The order follows RFC 2831 §4's example; the grammar allows any order.
        var text = new StringBuilder();
        if (utf8)
        {
            text.Append("charset=utf-8,");
        }

        text.Append("username=").Append(DigestDirectives.Quote(user));
        if (realm.Length > 0)
        {
            text.Append(",realm=").Append(DigestDirectives.Quote(realm));
        }

        text.Append(",nonce=").Append(DigestDirectives.Quote(nonce))
            .Append(",nc=").Append(NonceCount)
            .Append(",cnonce=").Append(DigestDirectives.Quote(_cnonce))
            .Append(",digest-uri=").Append(DigestDirectives.Quote(_digestUri))
            .Append(",response=").Append(response)
            .Append(",qop=auth");
        if (authzid.Length > 0)
        {
            text.Append(",authzid=").Append(DigestDirectives.Quote(authzid));
        }

        return wire.GetBytes(text.ToString());
    }

    private byte[] CheckRspAuth(ReadOnlySpan<byte> challenge)
    {
        string? rspauth = null;
        foreach (var (name, value) in DigestDirectives.Parse(DecodeChallenge(challenge)))
        {
            if (name == "rspauth")
            {
                SetOnce(ref rspauth, name, value);
            }
        }

        if (rspauth is null)
        {
            throw new SaslException(
                "The server's second DIGEST-MD5 challenge has no rspauth, so it did not prove that it knows the password.");
        }

        byte[] expected = Encoding.ASCII.GetBytes(_expectedRspAuth!);
        byte[] actual = Encoding.ASCII.GetBytes(rspauth.ToLowerInvariant());
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            throw new SaslException(
                "The server's DIGEST-MD5 rspauth is wrong: the server does not know the password, so it may not be the " +
                "server it claims to be.");
        }

        _verified = true;
        IsComplete = true;
        // RFC 2831 §2.1.3: the client answers the rspauth challenge with an empty response.
        return [];
    }

    /// <summary>The realm to answer with: the configured domain when the server offers it (or offers none), else
    /// the server's first realm, else none (an empty realm in the hash, RFC 2831 §2.1.2.1).</summary>
    private string ChooseRealm(List<string> realms)
    {
        string domain = _credentials.Domain;
        if (domain.Length > 0 && (realms.Count == 0 || realms.Contains(domain, StringComparer.OrdinalIgnoreCase)))
        {
            return realms.Find(r => string.Equals(r, domain, StringComparison.OrdinalIgnoreCase)) ?? domain;
        }

        return realms.Count > 0 ? realms[0] : "";
    }

    /// <summary>HEX(H(A1)) for md5-sess: A1 = H(user:realm:password) ":" nonce ":" cnonce [":" authzid].</summary>
    private static string ComputeHa1(
        string user, string realm, string password, string nonce, string cnonce, string authzid, bool utf8)
    {
        Encoding wire = utf8 ? Encoding.UTF8 : Encoding.Latin1;
        using var inner = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        // RFC 2831 §2.1.2.1: with charset=utf-8, each of user name, realm and password that fits ISO 8859-1 is
        // hashed in ISO 8859-1 (as the RFC's sample code does, string by string); the others stay UTF-8.
        inner.AppendData(HashBytes(user, utf8));
        inner.AppendData(":"u8);
        inner.AppendData(HashBytes(realm, utf8));
        inner.AppendData(":"u8);
        byte[] passwordBytes = HashBytes(password, utf8);
        inner.AppendData(passwordBytes);
        CryptographicOperations.ZeroMemory(passwordBytes);
        byte[] secret = inner.GetHashAndReset();

        using var a1 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        a1.AppendData(secret);
        a1.AppendData(wire.GetBytes(":" + nonce + ":" + cnonce + (authzid.Length > 0 ? ":" + authzid : "")));
        CryptographicOperations.ZeroMemory(secret);
        return Convert.ToHexStringLower(a1.GetHashAndReset());
    }

    /// <summary>KD(HA1, nonce:nc:cnonce:qop:HEX(H(A2))) in lowercase hex, for qop=auth (RFC 2831 §2.1.2.1).</summary>
    private static string ComputeResponse(string ha1, string nonce, string cnonce, string a2)
    {
        string ha2 = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(a2)));
        string kd = ha1 + ":" + nonce + ":" + NonceCount + ":" + cnonce + ":auth:" + ha2;
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(kd)));
    }

    private static byte[] HashBytes(string value, bool utf8) =>
        utf8 && !IsLatin1(value) ? Encoding.UTF8.GetBytes(value) : Encoding.Latin1.GetBytes(value);

    private static bool IsLatin1(string value) => value.All(c => c <= '\u00FF');

    private static void EnsureLatin1(string value, string what)
    {
        if (!IsLatin1(value))
        {
            throw new SaslException(
                $"The server's DIGEST-MD5 challenge does not announce charset=utf-8, so {what} must be ISO 8859-1 " +
                "text, and it contains other characters.");
        }
    }

    /// <summary>The challenge as text: UTF-8 when it is valid UTF-8, else ISO 8859-1 (the RFC 2831 default).</summary>
    private static string DecodeChallenge(ReadOnlySpan<byte> challenge)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(challenge);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(challenge);
        }
    }

    private static void SetOnce(ref string? slot, string name, string value)
    {
        if (slot is not null)
        {
            throw new SaslException($"The server's DIGEST-MD5 challenge repeats the '{name}' directive, which RFC 2831 " +
                                    "allows only once.");
        }

        slot = value;
    }
}
