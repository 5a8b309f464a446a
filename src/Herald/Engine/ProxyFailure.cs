using Herald.Transport;
using Herald.Transport.Proxies;

namespace Herald.Engine;

/// <summary>
/// Turns a failed proxy step into the <see cref="SmtpException"/> every facade reports: 118 (firewall error) with the
/// step that failed, the proxy, its reason in words and what to check, in the facade's words; 11001 (host not found)
/// when the server's name could not be resolved on this machine for a proxy that is sent an address, as it would be
/// without a proxy. The <see cref="ProxyException"/> stays the inner exception, with the reply code and, for HTTP, the
/// proxy's response.
/// </summary>
internal static class ProxyFailure
{
    /// <summary>Makes the exception.</summary>
    /// <param name="e">The proxy failure.</param>
    /// <param name="proxy">The proxy that was used, for the hint about credentials; null when unknown.</param>
    /// <param name="terms">The facade's words for its settings.</param>
    public static SmtpException ToSmtpException(ProxyException e, ProxySettings? proxy, SettingTerms terms)
    {
        string source = proxy?.Source ?? "";
        string step = e.Step switch
        {
            ProxyStep.Reach => "Connecting to the proxy failed",
            ProxyStep.Resolve => "Resolving the mail server's name for the proxy failed",
            ProxyStep.MethodSelection => "Choosing how to authenticate to the proxy failed",
            ProxyStep.Authentication => "Proxy authentication failed",
            ProxyStep.AfterReply => "The proxy's tunnel was refused",
            _ => "Opening the tunnel through the proxy failed",
        };
        string credentials = proxy is { HasCredentials: true } ? "Check" : "Set";
        string hint = e.Step switch
        {
            ProxyStep.Reach when source.Length > 0 => $" The proxy was taken from {source}: check it, and that the proxy is running.",
            ProxyStep.Reach => $" Check {terms.ProxyHost} and {terms.ProxyPort}, and that the proxy is running.",
            ProxyStep.Resolve => $" Check {terms.Server}.",
            ProxyStep.MethodSelection or ProxyStep.Authentication when source.Length > 0 =>
                $" The proxy was taken from {source}; its URL gives the user name and password (user:password@host).",
            ProxyStep.MethodSelection or ProxyStep.Authentication => $" {credentials} {terms.ProxyUser} and {terms.ProxyPassword}.",
            _ => "",
        };
        int code = e.Step == ProxyStep.Resolve ? SmtpErrorCodes.HostNotFound : SmtpErrorCodes.FirewallError;
        return new SmtpException(code, $"{step}: {e.Message}.{hint}", e);
    }
}
