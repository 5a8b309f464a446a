namespace Herald.Security.Sasl;

/// <summary>
/// Everything a SASL mechanism may need to log in, captured once when authentication starts.
/// </summary>
/// <param name="User">The authentication identity (login name). For NTLM it may carry the domain as
/// <c>DOMAIN\user</c>.</param>
/// <param name="Password">The password; unused by XOAUTH2 and OAUTHBEARER, optional for GSSAPI (ticket cache).</param>
/// <param name="AuthorizationIdentity">The SASL authorization identity (act as this user), or empty. XOAUTH2 and
/// OAUTHBEARER take the OAuth access token from here instead, with or without a leading <c>Bearer </c>.</param>
/// <param name="Host">The server's host name: DIGEST-MD5 uses it in <c>digest-uri="smtp/host"</c>, GSSAPI in the
/// service principal <c>smtp/host</c>, OAUTHBEARER in its <c>host=</c> pair.</param>
/// <param name="UseNtlmV2">NTLM computes NTLMv2 responses when true (the default), NTLMv1 otherwise.</param>
/// <param name="Domain">The NTLM domain (also the preferred DIGEST-MD5 realm); empty to take it from
/// <paramref name="User"/> or to send none.</param>
/// <param name="Workstation">The workstation name NTLM reports, or empty.</param>
/// <param name="Port">The server port, sent in OAUTHBEARER's <c>port=</c> pair when positive.</param>
/// <param name="Words">The facade's names for these settings, for error messages; null for neutral words.</param>
internal sealed record SaslCredentials(
    string User,
    string Password,
    string AuthorizationIdentity,
    string Host,
    bool UseNtlmV2 = true,
    string Domain = "",
    string Workstation = "",
    int Port = 0,
    SettingTerms? Words = null)
{
    /// <summary>The facade's names for the credential settings.</summary>
    public SettingTerms Terms => Words ?? SettingTerms.Neutral;

    /// <summary>Keeps the password out of logs and exception messages that print the record.</summary>
    public override string ToString() =>
        $"SaslCredentials {{ User = {User}, Host = {Host}, Domain = {Domain}, Workstation = {Workstation} }}";
}
