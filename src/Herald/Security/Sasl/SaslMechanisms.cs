namespace Herald.Security.Sasl;

/// <summary>Chooses and creates the SASL mechanism for an <c>AUTH</c> exchange.</summary>
internal static class SaslMechanisms
{
    /// <summary>Every mechanism name <see cref="Create(string, SaslCredentials)"/> knows, in the order listed in errors.</summary>
    public static IReadOnlyList<string> Supported { get; } =
    [
        PlainMechanism.MechanismName, LoginMechanism.MechanismName, CramMd5Mechanism.MechanismName,
        DigestMd5Mechanism.MechanismName, ScramMechanism.Sha1Name, ScramMechanism.Sha256Name,
        NtlmMechanism.MechanismName, GssapiMechanism.MechanismName, XOAuth2Mechanism.MechanismName,
        OAuthBearerMechanism.MechanismName,
    ];

    /// <summary>
    /// The mechanism for the component's AuthMechanism setting, checked against the mechanisms the server's EHLO
    /// <c>AUTH</c> line offers. <see cref="SmtpAuthMechanisms.amUserPassword"/> picks PLAIN when offered, else LOGIN.
    /// </summary>
    /// <param name="mechanism">The configured mechanism.</param>
    /// <param name="credentials">The credentials.</param>
    /// <param name="serverMechanisms">The mechanism names the server offers (compared without regard to case).</param>
    /// <exception cref="SmtpException">Code 10045 for APOP, which is a POP3 mechanism, and when the server does not
    /// offer the mechanism; code 10022 when the credentials do not suit the mechanism.</exception>
    public static SaslMechanism Create(SmtpAuthMechanisms mechanism, SaslCredentials credentials,
        IReadOnlyCollection<string> serverMechanisms)
    {
        bool Offers(string name) => serverMechanisms.Contains(name, StringComparer.OrdinalIgnoreCase);

        string name = mechanism switch
        {
            SmtpAuthMechanisms.amUserPassword when Offers(PlainMechanism.MechanismName) => PlainMechanism.MechanismName,
            SmtpAuthMechanisms.amUserPassword when Offers(LoginMechanism.MechanismName) => LoginMechanism.MechanismName,
            SmtpAuthMechanisms.amUserPassword => throw NotOffered("PLAIN or LOGIN", serverMechanisms),
            SmtpAuthMechanisms.amCRAMMD5 => CramMd5Mechanism.MechanismName,
            SmtpAuthMechanisms.amNTLM => NtlmMechanism.MechanismName,
            SmtpAuthMechanisms.amAPOP => throw new SmtpException(SmtpErrorCodes.NotSupported,
                "AuthMechanism amAPOP selects APOP, a POP3 login command (RFC 1939); SMTP has no such mechanism. " +
                "Choose a SASL mechanism the server offers, for example amSASLPlain or amCRAMMD5."),
            SmtpAuthMechanisms.amSASLPlain => PlainMechanism.MechanismName,
            SmtpAuthMechanisms.amSASLDigestMD5 => DigestMd5Mechanism.MechanismName,
            SmtpAuthMechanisms.amKerberos => GssapiMechanism.MechanismName,
            SmtpAuthMechanisms.amXOAUTH2 => XOAuth2Mechanism.MechanismName,
            SmtpAuthMechanisms.amOAuthBearer => OAuthBearerMechanism.MechanismName,
            SmtpAuthMechanisms.amSCRAMSHA1 => ScramMechanism.Sha1Name,
            SmtpAuthMechanisms.amSCRAMSHA256 => ScramMechanism.Sha256Name,
            SmtpAuthMechanisms.amLogin => LoginMechanism.MechanismName,
            _ => throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"AuthMechanism {(int)mechanism} is not a known authentication mechanism."),
        };

        if (!Offers(name))
        {
            throw NotOffered(name, serverMechanisms);
        }

        return Create(name, credentials);
    }

    /// <summary>The mechanism with the given wire name (compared without regard to case).</summary>
    /// <param name="name">The SASL mechanism name, for example <c>SCRAM-SHA-256</c>.</param>
    /// <param name="credentials">The credentials.</param>
    /// <exception cref="SmtpException">Code 10045 when the name is not a mechanism Herald implements; code 10022 when
    /// the credentials do not suit the mechanism.</exception>
    public static SaslMechanism Create(string name, SaslCredentials credentials) =>
        name.ToUpperInvariant() switch
        {
            PlainMechanism.MechanismName => new PlainMechanism(credentials),
            LoginMechanism.MechanismName => new LoginMechanism(credentials),
            CramMd5Mechanism.MechanismName => new CramMd5Mechanism(credentials),
            DigestMd5Mechanism.MechanismName => new DigestMd5Mechanism(credentials),
            ScramMechanism.Sha1Name => new ScramMechanism(ScramMechanism.Sha1Name, credentials),
            ScramMechanism.Sha256Name => new ScramMechanism(ScramMechanism.Sha256Name, credentials),
            NtlmMechanism.MechanismName => new NtlmMechanism(credentials),
            GssapiMechanism.MechanismName => new GssapiMechanism(credentials),
            XOAuth2Mechanism.MechanismName => new XOAuth2Mechanism(credentials),
            OAuthBearerMechanism.MechanismName => new OAuthBearerMechanism(credentials),
            _ => throw new SmtpException(SmtpErrorCodes.NotSupported,
                $"The SASL mechanism \"{name}\" is not supported; Herald implements {string.Join(", ", Supported)}."),
        };

    private static SmtpException NotOffered(string name, IReadOnlyCollection<string> serverMechanisms) =>
        new(SmtpErrorCodes.NotSupported,
            $"The server does not offer AUTH {name}. " +
            (serverMechanisms.Count == 0
                ? "It offers no AUTH mechanisms at all in its EHLO reply (it may offer them only after STARTTLS)."
                : $"It offers: {string.Join(" ", serverMechanisms)}.") +
            " Choose one of those in AuthMechanism.");
}
