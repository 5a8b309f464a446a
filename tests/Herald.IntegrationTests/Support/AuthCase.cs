namespace Herald.IntegrationTests.Support;

/// <summary>
/// One way to log in, for theories: the component's mechanism setting, extra Config settings, whether PLAIN is hidden
/// from the server's offer (to prove amUserPassword falls back to LOGIN, see <see cref="AuthOfferEditor"/>), and
/// the SASL name that must appear on the AUTH line.
/// </summary>
internal sealed record AuthCase(string Name, SmtpAuthMechanisms Mechanism, string Wire, string[] Config, bool HidePlain = false)
{
    /// <summary>Password mechanisms that Dovecot (25587 through Postfix, 25590 directly) offers.</summary>
    public static readonly AuthCase UserPassword = new("amUserPassword", SmtpAuthMechanisms.amUserPassword, "PLAIN", []);

    /// <summary>AUTH PLAIN chosen explicitly.</summary>
    public static readonly AuthCase SaslPlain = new("amSASLPlain", SmtpAuthMechanisms.amSASLPlain, "PLAIN", []);

    /// <summary>AUTH PLAIN with an authorization identity equal to the login name.</summary>
    public static readonly AuthCase SaslPlainSelfAuthzid = new("amSASLPlain+authzid=self", SmtpAuthMechanisms.amSASLPlain, "PLAIN",
        ["AuthorizationIdentity=" + Peers.User]);

    /// <summary>amUserPassword when the offer lacks PLAIN: AUTH LOGIN.</summary>
    public static readonly AuthCase Login = new("amUserPassword (LOGIN)", SmtpAuthMechanisms.amUserPassword, "LOGIN", [], HidePlain: true);

    /// <summary>amLogin: AUTH LOGIN even though PLAIN is offered too.</summary>
    public static readonly AuthCase LoginChosen = new("amLogin", SmtpAuthMechanisms.amLogin, "LOGIN", []);

    /// <summary>AUTH CRAM-MD5.</summary>
    public static readonly AuthCase CramMd5 = new("amCRAMMD5", SmtpAuthMechanisms.amCRAMMD5, "CRAM-MD5", []);

    /// <summary>AUTH DIGEST-MD5.</summary>
    public static readonly AuthCase DigestMd5 = new("amSASLDigestMD5", SmtpAuthMechanisms.amSASLDigestMD5, "DIGEST-MD5", []);

    /// <summary>AUTH SCRAM-SHA-1.</summary>
    public static readonly AuthCase ScramSha1 = new("amSCRAMSHA1", SmtpAuthMechanisms.amSCRAMSHA1, "SCRAM-SHA-1", []);

    /// <summary>AUTH SCRAM-SHA-256.</summary>
    public static readonly AuthCase ScramSha256 = new("amSCRAMSHA256", SmtpAuthMechanisms.amSCRAMSHA256, "SCRAM-SHA-256", []);

    /// <summary>AUTH XOAUTH2 with the user's token.</summary>
    public static readonly AuthCase XOAuth2 = new("amXOAUTH2", SmtpAuthMechanisms.amXOAUTH2, "XOAUTH2",
        ["AuthorizationIdentity=" + Peers.UserOAuthToken]);

    /// <summary>AUTH OAUTHBEARER with the user's token.</summary>
    public static readonly AuthCase OAuthBearer = new("amOAuthBearer", SmtpAuthMechanisms.amOAuthBearer, "OAUTHBEARER",
        ["AuthorizationIdentity=" + Peers.UserOAuthToken]);

    /// <summary>AUTH NTLM with NTLMv2 responses (the default).</summary>
    public static readonly AuthCase NtlmV2 = new("amNTLM (NTLMv2)", SmtpAuthMechanisms.amNTLM, "NTLM", []);

    /// <summary>AUTH NTLM with NTLMv1 responses.</summary>
    public static readonly AuthCase NtlmV1 = new("amNTLM (NTLMv1)", SmtpAuthMechanisms.amNTLM, "NTLM", ["UseNTLMv2=False"]);

    private static readonly AuthCase[] s_all =
    [
        UserPassword, SaslPlain, SaslPlainSelfAuthzid, Login, LoginChosen, CramMd5, DigestMd5, ScramSha1, ScramSha256, XOAuth2, OAuthBearer,
        NtlmV2, NtlmV1,
    ];

    /// <summary>The case with this <see cref="Name"/> (theories pass names, which show in the test list).</summary>
    public static AuthCase Named(string name) => s_all.Single(c => c.Name == name);

    /// <summary>Sets the component up to log in as <see cref="Peers.User"/> this way.</summary>
    public void Apply(Smtp smtp)
    {
        smtp.User = Peers.User;
        smtp.Password = Peers.Password;
        smtp.AuthMechanism = Mechanism;
        foreach (string setting in Config)
        {
            smtp.Config(setting);
        }
        if (HidePlain)
        {
            AuthOfferEditor.Install(smtp, offered => offered.Where(m => !m.Equals("PLAIN", StringComparison.OrdinalIgnoreCase)));
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
