namespace Herald.Security.Sasl;

/// <summary>
/// Configuration checks the mechanisms run before they send anything, so a missing password fails with a message
/// that says what to set instead of a confusing 535 from the server.
/// </summary>
internal static class CredentialChecks
{
    /// <summary>Throws when no user name is set.</summary>
    /// <exception cref="SmtpException">Code 10022 (invalid argument).</exception>
    public static void RequireUser(SaslCredentials credentials, string mechanism)
    {
        if (string.IsNullOrEmpty(credentials.User))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"AUTH {mechanism} needs a user name: set {credentials.Terms.User} to the login name.");
        }
    }

    /// <summary>Throws when no password is set.</summary>
    /// <exception cref="SmtpException">Code 10022 (invalid argument).</exception>
    public static void RequirePassword(SaslCredentials credentials, string mechanism)
    {
        if (string.IsNullOrEmpty(credentials.Password))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"AUTH {mechanism} needs a password: set {credentials.Terms.Password}.");
        }
    }

    /// <summary>Throws when the server host name, which the mechanism builds a service name from, is missing.</summary>
    /// <exception cref="SmtpException">Code 10022 (invalid argument).</exception>
    public static void RequireHost(SaslCredentials credentials, string mechanism)
    {
        if (string.IsNullOrEmpty(credentials.Host))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"AUTH {mechanism} needs the server's host name to name the service it logs in to; set {credentials.Terms.Server}.");
        }
    }

    /// <summary>Throws when <paramref name="value"/> contains a character the mechanism uses as a separator.</summary>
    /// <exception cref="SmtpException">Code 10022 (invalid argument).</exception>
    public static void Reject(string value, char separator, string what, string mechanism)
    {
        if (value.Contains(separator, StringComparison.Ordinal))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{what} contains the character U+{(int)separator:X4}, which AUTH {mechanism} uses as a separator; " +
                "remove it.");
        }
    }

    /// <summary>
    /// The OAuth 2.0 access token for XOAUTH2 and OAUTHBEARER, taken from the authorization identity with any leading
    /// <c>Bearer </c> removed (the component documents the setting both ways).
    /// </summary>
    /// <exception cref="SmtpException">Code 10022 when no token is set or it contains white space or control
    /// characters, which RFC 6750's b64token syntax excludes.</exception>
    public static string BearerToken(SaslCredentials credentials, string mechanism)
    {
        const string scheme = "Bearer";
        string token = credentials.AuthorizationIdentity.Trim();
        if (token.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) &&
            (token.Length == scheme.Length || char.IsWhiteSpace(token[scheme.Length])))
        {
            token = token[scheme.Length..].TrimStart();
        }

        if (token.Length == 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"AUTH {mechanism} needs an OAuth 2.0 access token: set {credentials.Terms.OAuthToken} " +
                "to the token (\"Bearer <token>\" or just the token).");
        }

        foreach (char c in token)
        {
            if (c <= ' ' || c == '\u007F')
            {
                throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                    $"The OAuth access token for AUTH {mechanism} contains white space or a control character; " +
                    $"an RFC 6750 bearer token has none. Check {credentials.Terms.OAuthToken}.");
            }
        }

        return token;
    }
}
