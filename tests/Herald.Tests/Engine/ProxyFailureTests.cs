using Herald.Engine;
using Herald.Transport;
using Herald.Transport.Proxies;
using Xunit;

namespace Herald.Tests.Engine;

/// <summary>
/// The one translation of a failed proxy step that every facade reports: the step in words, the proxy's own message,
/// and a hint in the caller's words (here the neutral ones, as a facade without its own would get them); 11001 for a
/// server name that did not resolve here, 118 for everything else; the proxy failure kept as the inner exception.
/// </summary>
public class ProxyFailureTests
{
    private static readonly ProxySettings Proxy = new(ProxyKind.Socks5, "proxy.test", 1080);

    private static ProxyException Failure(ProxyStep step, string reason) => new(Proxy, "mail.test:587", step, reason);

    [Theory]
    [InlineData("Reach", "could not be reached: Connection refused",
        "Connecting to the proxy failed: SOCKS5 proxy proxy.test:1080 could not be reached: Connection refused. Check the proxy host "
        + "and the proxy port, and that the proxy is running.")]
    [InlineData("MethodSelection", "requires authentication",
        "Choosing how to authenticate to the proxy failed: SOCKS5 proxy proxy.test:1080 requires authentication. Set the proxy user "
        + "name and the proxy password.")]
    [InlineData("Authentication", "rejected the user name and password",
        "Proxy authentication failed: SOCKS5 proxy proxy.test:1080 rejected the user name and password. Set the proxy user name and "
        + "the proxy password.")]
    [InlineData("Connect", "refused the connection to mail.test:587: the host is unreachable (reply 4)",
        "Opening the tunnel through the proxy failed: SOCKS5 proxy proxy.test:1080 refused the connection to mail.test:587: the host "
        + "is unreachable (reply 4).")]
    [InlineData("AfterReply", "sent more bytes after its reply",
        "The proxy's tunnel was refused: SOCKS5 proxy proxy.test:1080 sent more bytes after its reply.")]
    public void EachStepIs118WithItsWordsAndHint(string step, string reason, string expected)
    {
        var failure = Failure(Enum.Parse<ProxyStep>(step), reason);
        var e = ProxyFailure.ToSmtpException(failure, Proxy, SettingTerms.Neutral);
        Assert.Equal(SmtpErrorCodes.FirewallError, e.Code);
        Assert.Equal(expected, e.Message);
        Assert.Same(failure, e.InnerException);
    }

    [Fact]
    public void AServerNameThatDoesNotResolveHereIsHostNotFound()
    {
        var e = ProxyFailure.ToSmtpException(Failure(ProxyStep.Resolve, "was not asked to connect: \"mail.test\" has no IP address"),
            Proxy, SettingTerms.Neutral);
        Assert.Equal(SmtpErrorCodes.HostNotFound, e.Code);
        Assert.Equal("Resolving the mail server's name for the proxy failed: SOCKS5 proxy proxy.test:1080 was not asked to connect: "
            + "\"mail.test\" has no IP address. Check the server name.", e.Message);
    }

    [Fact]
    public void CredentialsThatWereGivenAreToBeCheckedAndAProxyFromTheEnvironmentPointsThere()
    {
        var withUser = Proxy with { User = "u", Password = "p" };
        Assert.EndsWith(" Check the proxy user name and the proxy password.",
            ProxyFailure.ToSmtpException(Failure(ProxyStep.Authentication, "rejected"), withUser, SettingTerms.Neutral).Message);

        var detected = Proxy with { Source = "the environment variable ALL_PROXY" };
        Assert.EndsWith(" The proxy was taken from the environment variable ALL_PROXY: check it, and that the proxy is running.",
            ProxyFailure.ToSmtpException(Failure(ProxyStep.Reach, "could not be reached"), detected, SettingTerms.Neutral).Message);
        Assert.EndsWith(" The proxy was taken from the environment variable ALL_PROXY; its URL gives the user name and password "
            + "(user:password@host).",
            ProxyFailure.ToSmtpException(Failure(ProxyStep.Authentication, "rejected"), detected, SettingTerms.Neutral).Message);
    }
}
