using System.Text;
using Herald.Tests.Infrastructure;
using Herald.Transport.Proxies;
using Xunit;
using static Herald.Tests.Proxies.ProxyBytes;

namespace Herald.Tests.Proxies;

/// <summary>SOCKS4 and SOCKS4a byte for byte, replayed in all six modes.</summary>
public class Socks4HandshakeTests
{
    private static readonly ProxySettings Socks4 = new(ProxyKind.Socks4, "192.0.2.1", 1080);
    private static readonly ProxySettings Socks4a = new(ProxyKind.Socks4a, "192.0.2.1", 1080);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task Socks4SendsTheAddressAndTheUserId(ReplayMode mode)
    {
        // VN 4, CD 1, port 587, 192.0.2.25, user id "bob", NUL.
        var (tunnel, call) = await ReplayAsync("""
            C! 04 01 02 4B C0 00 02 19 62 6F 62 00
            S! 00 5A 00 00 00 00 00 00
            """, mode, Socks4 with { User = "bob", Password = "unused-secret" }, "192.0.2.25", 587);
        using (call)
        {
            Assert.Equal(90, tunnel.ReplyCode);
            Assert.Contains("SOCKS4 proxy 192.0.2.1:1080: CONNECT 192.0.2.25:587, user id \"bob\"", call.Trace);
            Assert.Contains("the password is not sent", call.Trace);
            call.AssertNeverShows("unused-secret");
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task Socks4ResolvesANameHereAndSendsItsIPv4Address(ReplayMode mode)
    {
        var (_, call) = await ReplayAsync("""
            C! 04 01 61 C1 7F 00 00 01 00
            S! 00 5A 61 C1 7F 00 00 01
            """, mode, Socks4, "localhost", 25025);
        using (call)
        {
            Assert.Contains("resolved localhost to 127.0.0.1 on this machine", call.Trace);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task Socks4aSendsTheHostNameAfterTheUserIdAndResolvesNothing(ReplayMode mode)
    {
        // 0.0.0.1 marks SOCKS4a; the name (which does not resolve anywhere) follows the empty user id.
        string name = Convert.ToHexString(Encoding.ASCII.GetBytes("mail.example.invalid"));
        var (_, call) = await ReplayAsync($"""
            C! 04 01 00 19 00 00 00 01 00 {name} 00
            S! 00 5A 00 00 00 00 00 00
            """, mode, Socks4a, "mail.example.invalid", 25);
        using (call)
        {
            Assert.Contains("CONNECT mail.example.invalid:25 (the proxy resolves the name)", call.Trace);
            Assert.DoesNotContain("resolved", call.Trace.Replace("resolves", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task Socks4aSendsAnAddressLiteralAsAnAddress(ReplayMode mode)
    {
        var (_, call) = await ReplayAsync("""
            C! 04 01 00 19 7F 00 00 01 00
            S! 00 5A 00 00 00 00 00 00
            """, mode, Socks4a, "127.0.0.1", 25);
        call.Dispose();
    }

    [Theory]
    [InlineData(91, "the request was rejected or failed (the proxy's rules forbid it, or the destination could not be reached)")]
    [InlineData(92, "the request was rejected because the proxy cannot reach the identd service on the client's machine")]
    [InlineData(93, "the request was rejected because identd on the client's machine reports a different user id")]
    [InlineData(0, "an undefined reply code")]
    [InlineData(94, "an undefined reply code")]
    public async Task EveryRefusalCodeIsReportedInWordsWithTheCode(int code, string words)
    {
        foreach (var mode in Enum.GetValues<ReplayMode>())
        {
            var e = await ReplayFailsAsync($"""
                C! 04 01 00 19 C0 00 02 19 00
                S! 00 {code:X2} 00 00 00 00 00 00
                """, mode, Socks4, "192.0.2.25", 25);
            Assert.Equal($"SOCKS4 proxy 192.0.2.1:1080 refused the connection to 192.0.2.25:25: {words} (reply {code})", e.Message);
            Assert.Equal(code, e.ReplyCode);
            Assert.Equal(ProxyStep.Connect, e.Step);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AReplyWithTheWrongVersionIsRefused(ReplayMode mode)
    {
        var e = await ReplayFailsAsync("""
            C! 04 01 00 19 C0 00 02 19 00
            S~ HTTP/1.0
            """, mode, Socks4, "192.0.2.25", 25);
        Assert.Equal("SOCKS4 proxy 192.0.2.1:1080 answered CONNECT with \"HT\" where a reply of version 0 was expected; "
            + "is it a SOCKS4 proxy?", e.Message);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AProxyThatClosesMidReplySaysHowFarItGot(ReplayMode mode)
    {
        var e = await ReplayFailsAsync("""
            C! 04 01 00 19 C0 00 02 19 00
            S! 00 5A 00
            -- close
            """, mode, Socks4a, "192.0.2.25", 25);
        Assert.Equal("SOCKS4a proxy 192.0.2.1:1080 closed the connection in the middle of the reply to CONNECT 192.0.2.25:25 "
            + "(after 3 bytes)", e.Message);
    }

    [Theory]
    [InlineData("Socks4", "::1", "SOCKS4")]
    [InlineData("Socks4a", "[::1]", "SOCKS4a")]
    public async Task AnIPv6DestinationIsRefusedBeforeAnythingIsSent(string kindName, string host, string name)
    {
        var kind = Enum.Parse<ProxyKind>(kindName);
        using var call = new ProxyCall(isAsync: false);
        var stream = new MemoryStream();
        var proxy = new ProxySettings(kind, "192.0.2.1", 1080);
        var e = await Assert.ThrowsAsync<ProxyException>(() => call.RunOnAsync(stream, proxy, host, 25));
        Assert.Equal(0, stream.Length);
        Assert.Equal($"{name} proxy 192.0.2.1:1080 cannot be asked to connect to [::1]:25: {name} carries only IPv4 addresses "
            + "(SOCKS5 reaches IPv6)", e.Message);
    }
}
