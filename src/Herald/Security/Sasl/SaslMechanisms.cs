namespace Herald.Security.Sasl;

/// <summary>Chooses and creates the SASL mechanism for an <c>AUTH</c> exchange.</summary>
internal static class SaslMechanisms
{
    /// <summary>Every mechanism name <see cref="Create"/> knows, in the order listed in errors.</summary>
    public static IReadOnlyList<string> Supported { get; } =
    [
        PlainMechanism.MechanismName, LoginMechanism.MechanismName, CramMd5Mechanism.MechanismName,
        DigestMd5Mechanism.MechanismName, ScramMechanism.Sha1Name, ScramMechanism.Sha256Name,
        NtlmMechanism.MechanismName, GssapiMechanism.MechanismName, XOAuth2Mechanism.MechanismName,
        OAuthBearerMechanism.MechanismName,
    ];

    /// <summary>
    /// The first mechanism of <paramref name="preferred"/> that the server's EHLO <c>AUTH</c> line offers.
    /// </summary>
    /// <param name="preferred">Mechanism names as on the wire, in order of preference.</param>
    /// <param name="credentials">The credentials.</param>
    /// <param name="serverMechanisms">The mechanism names the server offers (compared without regard to case).</param>
    /// <exception cref="SmtpException">Code 10045 when the server offers none of them, or a name is not a mechanism
    /// Herald implements; code 10022 when the credentials do not suit the mechanism.</exception>
    public static SaslMechanism Choose(IReadOnlyList<string> preferred, SaslCredentials credentials,
        IReadOnlyCollection<string> serverMechanisms) =>
        Create(Pick(preferred, serverMechanisms, credentials.Terms), credentials);

    /// <summary>The name of the first mechanism of <paramref name="preferred"/> that the server offers.</summary>
    /// <param name="preferred">Mechanism names as on the wire, in order of preference.</param>
    /// <param name="serverMechanisms">The mechanism names the server offers (compared without regard to case).</param>
    /// <param name="terms">The facade's words, for the message.</param>
    /// <exception cref="SmtpException">Code 10045 when the server offers none of them.</exception>
    public static string Pick(IReadOnlyList<string> preferred, IReadOnlyCollection<string> serverMechanisms,
        SettingTerms terms)
    {
        foreach (string name in preferred)
        {
            if (serverMechanisms.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return name;
            }
        }
        throw new SmtpException(SmtpErrorCodes.NotSupported,
            $"The server does not offer AUTH {string.Join(" or ", preferred)}. " +
            (serverMechanisms.Count == 0
                ? "It offers no AUTH mechanisms at all in its EHLO reply (it may offer them only after STARTTLS)."
                : $"It offers: {string.Join(" ", serverMechanisms)}.") +
            $" Choose one of those in {terms.AuthMechanism}.");
    }

    /// <summary>True for the mechanisms that log in with an OAuth access token instead of a password.</summary>
    /// <param name="name">The mechanism name.</param>
    public static bool UsesBearerToken(string name) =>
        name.Equals(XOAuth2Mechanism.MechanismName, StringComparison.OrdinalIgnoreCase)
        || name.Equals(OAuthBearerMechanism.MechanismName, StringComparison.OrdinalIgnoreCase);

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
}
