using System.Text;
using Herald.Tests.Infrastructure;
using Herald.Transport.Proxies;
using Xunit;
using static Herald.Tests.Proxies.ProxyBytes;

namespace Herald.Tests.Proxies;

/// <summary>
/// SOCKS5 (RFC 1928, RFC 1929) byte for byte: replayed exchanges in all six modes check every byte the client writes
/// and that it reads exactly the proxy's replies; a fake proxy on loopback covers what needs a socket.
/// </summary>
public class Socks5HandshakeTests
{
    private const string Name = "mail.example.test";
    private const string Password = "pr0xy-s3cret";

    private static readonly ProxySettings Socks5h = new(ProxyKind.Socks5, "127.0.0.1", 1080);
    private static readonly ProxySettings WithLogin = Socks5h with { User = "alice", Password = Password };

    // CONNECT mail.example.test:587 by name (ATYP 3).
    private static string ConnectByName => $"C! 05 01 00 03 {Name.Length:X2} {Convert.ToHexString(Encoding.ASCII.GetBytes(Name))} 02 4B";

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task WithoutCredentialsItOffersNoAuthenticationAndSendsTheNameForTheProxyToResolve(ReplayMode mode)
    {
        var (tunnel, call) = await ReplayAsync($"""
            C! 05 01 00
            S! 05 00
            {ConnectByName}
            S! 05 00 00 01 7F 00 00 01 C3 50
            """, mode, Socks5h, Name, 587);
        using (call)
        {
            Assert.Equal(0, tunnel.ReplyCode);
            Assert.Equal("127.0.0.1:50000", tunnel.BoundAddress);
            Assert.Contains("CONNECT mail.example.test:587 (the proxy resolves the name)", call.Trace);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task WithCredentialsItOffersBothMethodsAndAuthenticatesWhenTheProxyAsks(ReplayMode mode)
    {
        string login = Convert.ToHexString(Encoding.ASCII.GetBytes("alice"));
        string secret = Convert.ToHexString(Encoding.ASCII.GetBytes(Password));
        var (tunnel, call) = await ReplayAsync($"""
            C! 05 02 00 02
            S! 05 02
            C! 01 05 {login} {Password.Length:X2} {secret}
            S! 01 00
            {ConnectByName}
            S! 05 00 00 01 7F 00 00 01 C3 50
            """, mode, WithLogin, Name, 587);
        using (call)
        {
            Assert.Equal(0, tunnel.ReplyCode);
            Assert.Contains("authenticating as \"alice\"", call.Trace);
            call.AssertNeverShows(Password);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task WhenTheProxyNeedsNoAuthenticationTheCredentialsAreNotSent(ReplayMode mode)
    {
        var (_, call) = await ReplayAsync($"""
            C! 05 02 00 02
            S! 05 00
            {ConnectByName}
            S! 05 00 00 01 00 00 00 00 00 00
            """, mode, WithLogin, Name, 587);
        using (call)
        {
            Assert.Contains("the credentials are not sent", call.Trace);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AnIPv6DestinationGoesAsAddressType4(ReplayMode mode)
    {
        var (_, call) = await ReplayAsync("""
            C! 05 01 00
            S! 05 00
            C! 05 01 00 04 20010DB8000000000000000000000025 00 19
            S! 05 00 00 04 00000000000000000000000000000001 04 D2
            """, mode, Socks5h, "[2001:db8::25]", 25);
        using (call)
        {
            Assert.Contains("[::1]:1234", call.Trace);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AnIPv4LiteralGoesAsAnAddressEvenWhenTheProxyResolvesNames(ReplayMode mode)
    {
        var (tunnel, call) = await ReplayAsync($"""
            C! 05 01 00
            S! 05 00
            C! 05 01 00 01 C0 00 02 19 00 19
            S! 05 00 00 03 {"proxy.test".Length:X2} {Convert.ToHexString(Encoding.ASCII.GetBytes("proxy.test"))} 30 39
            """, mode, Socks5h, "192.0.2.25", 25);
        using (call)
        {
            // A bound address given as a name (ATYP 3) is read to its last byte.
            Assert.Equal("proxy.test:12345", tunnel.BoundAddress);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task WithLocalResolutionTheResolvedAddressIsSent(ReplayMode mode)
    {
        var (_, call) = await ReplayAsync("""
            C! 05 01 00
            S! 05 00
            C! 05 01 00 01 7F 00 00 01 61 C1
            S! 05 00 00 01 7F 00 00 01 C3 50
            """, mode, Socks5h with { ResolveLocally = true }, "localhost", 25025);
        using (call)
        {
            Assert.Contains("resolved localhost to 127.0.0.1", call.Trace);
        }
    }

    public static TheoryData<int, string> ReplyCodes => new()
    {
        { 1, "general SOCKS server failure" },
        { 2, "its rule set does not allow the connection" },
        { 3, "the network is unreachable" },
        { 4, "the host is unreachable" },
        { 5, "the destination refused the connection" },
        { 6, "the TTL expired before the destination was reached" },
        { 7, "the command is not supported" },
        { 8, "the address type is not supported" },
        { 9, "an unassigned reply code" },
        { 255, "an unassigned reply code" },
    };

    [Theory, MemberData(nameof(ReplyCodes))]
    public async Task EveryRefusalCodeIsReportedInWordsWithTheCode(int code, string words)
    {
        foreach (var mode in Enum.GetValues<ReplayMode>())
        {
            // A refusing proxy may close after the first two bytes: nothing more is read.
            var e = await ReplayFailsAsync($"""
                C! 05 01 00
                S! 05 00
                {ConnectByName}
                S! 05 {code:X2}
                """, mode, Socks5h, Name, 587);
            Assert.Equal($"SOCKS5 proxy 127.0.0.1:1080 refused the connection to mail.example.test:587: {words} (reply {code})", e.Message);
            Assert.Equal(code, e.ReplyCode);
            Assert.Equal(ProxyStep.Connect, e.Step);
            Assert.Equal(ProxyKind.Socks5, e.Kind);
            Assert.Equal("mail.example.test:587", e.Target);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task WrongCredentialsAreReportedWithTheUserButNeverThePassword(ReplayMode mode)
    {
        string login = Convert.ToHexString(Encoding.ASCII.GetBytes("alice"));
        string secret = Convert.ToHexString(Encoding.ASCII.GetBytes(Password));
        var e = await ReplayFailsAsync($"""
            C! 05 02 00 02
            S! 05 02
            C! 01 05 {login} {Password.Length:X2} {secret}
            S! 01 01
            """, mode, WithLogin, Name, 587);
        Assert.Equal(ProxyStep.Authentication, e.Step);
        Assert.Equal(1, e.ReplyCode);
        Assert.Equal("SOCKS5 proxy 127.0.0.1:1080 rejected the user name and password of \"alice\" (RFC 1929 status 1)", e.Message);
        Assert.DoesNotContain(Password, e.ToString(), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AProxyThatWantsCredentialsThatWereNotGivenSaysSo(ReplayMode mode)
    {
        var e = await ReplayFailsAsync("""
            C! 05 01 00
            S! 05 FF
            """, mode, Socks5h, Name, 587);
        Assert.Equal(ProxyStep.MethodSelection, e.Step);
        Assert.Equal(0xFF, e.ReplyCode);
        Assert.Contains("requires authentication, and no user name and password was given", e.Message);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AProxyThatAcceptsNoOfferedMethodSaysSo(ReplayMode mode)
    {
        var e = await ReplayFailsAsync("""
            C! 05 02 00 02
            S! 05 FF
            """, mode, WithLogin, Name, 587);
        Assert.Contains("accepts none of the offered authentication methods", e.Message);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AMethodThatWasNotOfferedIsRefused(ReplayMode mode)
    {
        var e = await ReplayFailsAsync("""
            C! 05 01 00
            S! 05 02
            """, mode, Socks5h, Name, 587);
        Assert.Contains("chose the authentication method 0x02 (user name and password), which was not offered", e.Message);
    }

    [Theory]
    [InlineData("S! 48 54", "\"HT\"")]
    [InlineData("S! 04 00", "0x0400")]
    public async Task AWrongVersionByteSaysWhatCameInstead(string reply, string shown)
    {
        foreach (var mode in Enum.GetValues<ReplayMode>())
        {
            var e = await ReplayFailsAsync($"""
                C! 05 01 00
                {reply}
                """, mode, Socks5h, Name, 587);
            Assert.Equal($"SOCKS5 proxy 127.0.0.1:1080 answered the method selection with {shown} where a reply of version 5 "
                + "was expected; is it a SOCKS5 proxy?", e.Message);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AWrongVersionInTheRfc1929ReplyIsRefused(ReplayMode mode)
    {
        string login = Convert.ToHexString(Encoding.ASCII.GetBytes("alice"));
        string secret = Convert.ToHexString(Encoding.ASCII.GetBytes(Password));
        var e = await ReplayFailsAsync($"""
            C! 05 02 00 02
            S! 05 02
            C! 01 05 {login} {Password.Length:X2} {secret}
            S! 05 00
            """, mode, WithLogin, Name, 587);
        Assert.Contains("where a reply of version 1 (RFC 1929) was expected", e.Message);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AnUndefinedAddressTypeInTheReplyIsRefused(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            C! 05 01 00
            S! 05 00
            {ConnectByName}
            S! 05 00 00 07
            """, mode, Socks5h, Name, 587);
        Assert.Contains("answered CONNECT with the address type 7, which RFC 1928 does not define", e.Message);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AProxyThatClosesInTheMiddleOfItsReplySaysWhere(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            C! 05 01 00
            S! 05 00
            {ConnectByName}
            S! 05 00 00 01 7F 00
            -- close
            """, mode, Socks5h, Name, 587);
        Assert.Equal(ProxyStep.Connect, e.Step);
        Assert.Equal("SOCKS5 proxy 127.0.0.1:1080 closed the connection in the middle of the reply to CONNECT mail.example.test:587 "
            + "(after 6 bytes)", e.Message);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AProxyThatClosesBeforeAnsweringSaysWhichStep(ReplayMode mode)
    {
        var e = await ReplayFailsAsync("""
            C! 05 01 00
            -- close
            """, mode, Socks5h, Name, 587);
        Assert.Equal(ProxyStep.MethodSelection, e.Step);
        Assert.Equal("SOCKS5 proxy 127.0.0.1:1080 closed the connection while the client was waiting for the reply to the method "
            + "selection", e.Message);
    }

    [Fact]
    public async Task ANameLongerThan255BytesIsRefusedBeforeAnythingIsSent()
    {
        using var call = new ProxyCall(isAsync: false);
        var e = await Assert.ThrowsAsync<ProxyException>(() =>
            call.RunOnAsync(new MemoryStream(), Socks5h, new string('a', 250) + ".example", 25));
        Assert.Contains("is not a valid host name", e.Message);
    }
}
