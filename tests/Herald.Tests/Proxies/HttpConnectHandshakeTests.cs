using System.Text;
using Herald.Tests.Infrastructure;
using Herald.Transport.Proxies;
using Xunit;
using static Herald.Tests.Proxies.ProxyBytes;

namespace Herald.Tests.Proxies;

/// <summary>HTTP CONNECT (RFC 9110 §9.3.6) replayed in all six modes, plus the new connection after a 407 on loopback.</summary>
public class HttpConnectHandshakeTests
{
    private const string Password = "pr0xy:s3cret";

    private static readonly ProxySettings Http = new(ProxyKind.HttpConnect, "192.0.2.1", 3128);
    private static readonly ProxySettings WithLogin = Http with { User = "alice", Password = Password };
    private static readonly string Basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + Password));

    private const string Request = """
        C: CONNECT mail.example.test:587 HTTP/1.1
        C: Host: mail.example.test:587
        C:
        """;

    private static string RequestWithCredentials => $"""
        C: CONNECT mail.example.test:587 HTTP/1.1
        C: Host: mail.example.test:587
        C: Proxy-Authorization: Basic {Basic}
        C:
        """;

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task ConnectCarriesHostAndTheExtraHeadersAndTheTunnelKeepsTheResponseHead(ReplayMode mode)
    {
        var proxy = Http with { RequestHeaders = [new("User-Agent", "herald-test"), new("X-Tenant", "blue")] };
        var (tunnel, call) = await ReplayAsync("""
            C: CONNECT mail.example.test:587 HTTP/1.1
            C: Host: mail.example.test:587
            C: User-Agent: herald-test
            C: X-Tenant: blue
            C:
            S: HTTP/1.1 200 Connection established
            S: Proxy-Agent: fake/1.0
            S:
            """, mode, proxy, "mail.example.test", 587);
        using (call)
        {
            Assert.Equal(200, tunnel.ReplyCode);
            Assert.Equal("HTTP/1.1 200 Connection established\r\nProxy-Agent: fake/1.0", tunnel.ResponseHeaders);
            Assert.Contains("HTTP proxy 192.0.2.1:3128: > CONNECT mail.example.test:587 HTTP/1.1", call.Info);
            Assert.Contains("HTTP proxy 192.0.2.1:3128: < HTTP/1.1 200 Connection established", call.Info);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AHostFieldGivenWithTheHeadersReplacesTheDefaultOne(ReplayMode mode)
    {
        var (_, call) = await ReplayAsync("""
            C: CONNECT [2001:db8::25]:25 HTTP/1.1
            C: host: relay.internal:25
            C:
            S: HTTP/1.0 200 OK
            S:
            """, mode, Http with { RequestHeaders = [new("host", "relay.internal:25")] }, "2001:db8::25", 25);
        call.Dispose();
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task A407IsAnsweredOnceWithBasicCredentialsOnTheSameConnection(ReplayMode mode)
    {
        var (tunnel, call) = await ReplayAsync($"""
            {Request}
            S: HTTP/1.1 407 Proxy Authentication Required
            S: Proxy-Authenticate: Basic realm="fake"
            S: Content-Length: 12
            S:
            S~ hello there!
            {RequestWithCredentials}
            S: HTTP/1.1 200 OK
            S:
            """, mode, WithLogin, "mail.example.test", 587);
        using (call)
        {
            Assert.Equal(200, tunnel.ReplyCode);
            Assert.Contains("sending them on the same connection", call.Trace);
            Assert.Contains("HTTP proxy 192.0.2.1:3128: > Proxy-Authorization: Basic **** (user \"alice\")", call.Info);
            call.AssertNeverShows(Password);
            call.AssertNeverShows(Basic);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task A407ThatEndsTheConnectionIsAnsweredOnANewOne(ReplayMode mode)
    {
        // tinyproxy's way: HTTP/1.0, Connection: close, a body without a length that ends with the connection.
        var (tunnel, call) = await ReplayAsync($"""
            {Request}
            S: HTTP/1.0 407 Proxy Authentication Required
            S: Proxy-Authenticate: Basic realm="Tinyproxy"
            S: Connection: close
            S:
            S: <html>auth</html>
            -- close
            -- next-connection
            {RequestWithCredentials}
            S: HTTP/1.0 200 Connection established
            S:
            """, mode, WithLogin, "mail.example.test", 587);
        using (call)
        {
            Assert.Equal(200, tunnel.ReplyCode);
            Assert.Contains("sending them on a new connection", call.Trace);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task PreemptiveCredentialsGoWithTheFirstRequest(ReplayMode mode)
    {
        var (_, call) = await ReplayAsync($"""
            {RequestWithCredentials}
            S: HTTP/1.1 200 OK
            S:
            """, mode, WithLogin with { PreemptiveBasicAuth = true }, "mail.example.test", 587);
        call.Dispose();
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task A407WithoutCredentialsKeepsTheResponseForTheCaller(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            {Request}
            S: HTTP/1.1 407 Proxy Authentication Required
            S: Proxy-Authenticate: Basic realm="corp"
            S: Content-Length: 9
            S:
            S~ go away\r\n
            """, mode, Http, "mail.example.test", 587);
        Assert.Equal(ProxyStep.Authentication, e.Step);
        Assert.Equal(407, e.ReplyCode);
        Assert.Equal("HTTP proxy 192.0.2.1:3128 requires authentication (407 Proxy Authentication Required; it offers Basic "
            + "realm=\"corp\"), and no user name and password was given", e.Message);
        Assert.Equal("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 9",
            e.ResponseHeaders);
        Assert.Equal("go away\r\n", e.ResponseBody);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task A407ToTheCredentialsMeansTheyWereRejected(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            {Request}
            S: HTTP/1.1 407 Proxy Authentication Required
            S: Proxy-Authenticate: Basic realm="corp"
            S: Content-Length: 0
            S:
            {RequestWithCredentials}
            S: HTTP/1.1 407 Proxy Authentication Required
            S: Proxy-Authenticate: Basic realm="corp"
            S: Content-Length: 0
            S:
            """, mode, WithLogin, "mail.example.test", 587);
        Assert.Equal("HTTP proxy 192.0.2.1:3128 rejected the user name and password of \"alice\" (407 Proxy Authentication Required)",
            e.Message);
        Assert.DoesNotContain(Password, e.ToString(), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task A401ToTheCredentialsMeansTheyWereRejectedToo(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            {RequestWithCredentials}
            S: HTTP/1.0 401 Unauthorized
            S: Connection: close
            S:
            -- close
            """, mode, WithLogin with { PreemptiveBasicAuth = true }, "mail.example.test", 587);
        Assert.Equal(ProxyStep.Authentication, e.Step);
        Assert.Equal(401, e.ReplyCode);
        Assert.Contains("rejected the user name and password of \"alice\" (401 Unauthorized)", e.Message);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task A407OfferingOnlyOtherSchemesIsNotAnsweredWithBasic(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            {Request}
            S: HTTP/1.1 407 Proxy Authentication Required
            S: Proxy-Authenticate: Negotiate
            S: Proxy-Authenticate: NTLM
            S: Content-Length: 0
            S:
            """, mode, WithLogin, "mail.example.test", 587);
        Assert.Contains("asks for authentication with Negotiate, NTLM (407 Proxy Authentication Required); only Basic is supported",
            e.Message);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AnOwnProxyAuthorizationFieldIsSentAsGivenAndItsRejectionSaysSo(ReplayMode mode)
    {
        var proxy = WithLogin with { RequestHeaders = [new("Proxy-Authorization", "Bearer tok3n")] };
        var e = await ReplayFailsAsync("""
            C: CONNECT mail.example.test:587 HTTP/1.1
            C: Host: mail.example.test:587
            C: Proxy-Authorization: Bearer tok3n
            C:
            S: HTTP/1.1 407 Proxy Authentication Required
            S: Content-Length: 0
            S:
            """, mode, proxy, "mail.example.test", 587);
        Assert.Contains("rejected the Proxy-Authorization field given with the request headers", e.Message);
    }

    [Fact]
    public async Task AnOwnAuthorizationFieldIsMaskedInTheTrace()
    {
        var proxy = Http with { RequestHeaders = [new("Proxy-Authorization", "Bearer tok3n")] };
        var (_, call) = await ReplayAsync("""
            C: CONNECT mail.example.test:587 HTTP/1.1
            C: Host: mail.example.test:587
            C: Proxy-Authorization: Bearer tok3n
            C:
            S: HTTP/1.1 200 OK
            S:
            """, ReplayMode.SyncWhole, proxy, "mail.example.test", 587);
        using (call)
        {
            Assert.Contains("HTTP proxy 192.0.2.1:3128: > Proxy-Authorization: Bearer ****", call.Info);
            call.AssertNeverShows("tok3n");
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task A403KeepsItsStatusHeadersAndBody(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            {Request}
            S: HTTP/1.1 403 Filtered
            S: Content-Type: text/html
            S: Content-Length: 27
            S:
            S~ <p>destination filtered</p>
            """, mode, Http, "mail.example.test", 587);
        Assert.Equal(ProxyStep.Connect, e.Step);
        Assert.Equal(403, e.ReplyCode);
        Assert.Equal("HTTP proxy 192.0.2.1:3128 refused CONNECT to mail.example.test:587: 403 Filtered", e.Message);
        Assert.Equal("<p>destination filtered</p>", e.ResponseBody);
        Assert.Equal("HTTP/1.1 403 Filtered\r\nContent-Type: text/html\r\nContent-Length: 27", e.ResponseHeaders);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AChunkedRefusalBodyIsDecoded(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            {Request}
            S: HTTP/1.1 502 Bad Gateway
            S: Transfer-Encoding: chunked
            S:
            S: 7;ext=1
            S~ cannot \r\n
            S: 5
            S~ reach\r\n
            S: 0
            S: X-Trailer: ignored
            S:
            """, mode, Http, "mail.example.test", 587);
        Assert.Equal("cannot reach", e.ResponseBody);
        Assert.Equal(502, e.ReplyCode);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task ARefusalBodyWithoutALengthIsReadToTheEnd(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            {Request}
            S: HTTP/1.0 503 Service Unavailable
            S:
            S: line one
            S: line two
            -- close
            """, mode, Http, "mail.example.test", 587);
        Assert.Equal("line one\r\nline two\r\n", e.ResponseBody);
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task InterimResponsesAreSkipped(ReplayMode mode)
    {
        var (tunnel, call) = await ReplayAsync($"""
            {Request}
            S: HTTP/1.1 100 Continue
            S:
            S: HTTP/1.1 200 OK
            S:
            """, mode, Http, "mail.example.test", 587);
        using (call)
        {
            Assert.Equal(200, tunnel.ReplyCode);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task BareLineFeedsAreAccepted(ReplayMode mode)
    {
        var (tunnel, call) = await ReplayAsync($"""
            {Request}
            S~ HTTP/1.0 200 OK\nVia: x\n\n
            """, mode, Http, "mail.example.test", 587);
        using (call)
        {
            Assert.Equal("HTTP/1.0 200 OK\r\nVia: x", tunnel.ResponseHeaders);
        }
    }

    [Theory]
    [InlineData("S~ 220 s", "\"220 s\"")]
    [InlineData("S! 05 FF 00 00 00", "0x05FF000000")]
    public async Task AnAnswerThatIsNotHttpFailsAtOnce(string reply, string shown)
    {
        foreach (var mode in Enum.GetValues<ReplayMode>())
        {
            var e = await ReplayFailsAsync($"""
                {Request}
                {reply}
                """, mode, Http, "mail.example.test", 587);
            Assert.Equal($"HTTP proxy 192.0.2.1:3128 answered CONNECT with {shown}..., which is not HTTP; is it an HTTP proxy?", e.Message);
        }
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public async Task AMalformedStatusLineIsRefused(ReplayMode mode)
    {
        var e = await ReplayFailsAsync($"""
            {Request}
            S: HTTP/1.1 2OO OK
            S:
            """, mode, Http, "mail.example.test", 587);
        Assert.Equal("HTTP proxy 192.0.2.1:3128 answered with \"HTTP/1.1 2OO OK\", which is not an HTTP status line", e.Message);
    }

    [Theory]
    [InlineData("X-Bad", "a\r\nInjected: yes", "its value contains a line break")]
    [InlineData("Bad Name", "x", "a field name is a token")]
    public async Task ABadRequestHeaderIsRefusedBeforeAnythingIsSent(string name, string value, string reason)
    {
        using var call = new ProxyCall(isAsync: false);
        var stream = new MemoryStream();
        var e = await Assert.ThrowsAsync<ProxyException>(() =>
            call.RunOnAsync(stream, Http with { RequestHeaders = [new(name, value)] }, "mail.example.test", 587));
        Assert.Contains(reason, e.Message);
        Assert.Equal(0, stream.Length);
        Assert.DoesNotContain("Injected", e.Message);
    }

    [Fact]
    public async Task AUserNameWithAColonCannotGoInBasicAuthentication()
    {
        using var call = new ProxyCall(isAsync: true);
        var stream = new MemoryStream();
        var e = await Assert.ThrowsAsync<ProxyException>(() =>
            call.RunOnAsync(stream, Http with { User = "a:b", Password = "x" }, "mail.example.test", 587));
        Assert.Equal(ProxyStep.Authentication, e.Step);
        Assert.Contains("the user name must not contain a colon", e.Message);
        Assert.Equal(0, stream.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AHeadLongerThanTheLimitIsCutOff(bool isAsync)
    {
        string longField = "S: X-Filler: " + new string('a', 40 * 1024);
        var sessions = Transcript.Parse($"""
            {Request}
            S: HTTP/1.1 200 OK
            {longField}
            S:
            """).Sessions;
        using var call = new ProxyCall(isAsync);
        var stream = new ReplayStream(sessions[0], ReplayModes.Of(isAsync, ReplayChunking.Whole));
        var e = await Assert.ThrowsAsync<ProxyException>(() => call.RunOnAsync(stream, Http, "mail.example.test", 587));
        Assert.Equal("HTTP proxy 192.0.2.1:3128 sent a response head longer than 32 KiB", e.Message);
        stream.ThrowIfFailed();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithoutAWayToReconnectAClosing407Fails(bool isAsync)
    {
        var sessions = Transcript.Parse($"""
            {Request}
            S: HTTP/1.0 407 Proxy Authentication Required
            S: Connection: close
            S:
            -- close
            """).Sessions;
        using var call = new ProxyCall(isAsync);
        var stream = new ReplayStream(sessions[0], ReplayModes.Of(isAsync, ReplayChunking.Whole));
        var e = await Assert.ThrowsAsync<ProxyException>(() => call.RunOnAsync(stream, WithLogin, "mail.example.test", 587));
        Assert.Contains("asked for credentials (407 Proxy Authentication Required) and ended the connection, and no new connection",
            e.Message);
        stream.AssertComplete();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OnLoopbackA407ThatClosesLeadsToASecondConnectionWithTheCredentials(bool isAsync)
    {
        await using var fake = new FakeProxy(async c =>
        {
            string head = await c.ReadHeadAsync();
            if (!head.Contains("Proxy-Authorization: Basic ", StringComparison.Ordinal))
            {
                await c.WriteAsync("HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n"
                    + "Connection: close\r\n\r\n<html>no</html>\n");
                c.Close();
                return;
            }
            await c.WriteAsync("HTTP/1.0 200 Connection established\r\n\r\n220 fake.test ESMTP\r\n");
            await c.HangAsync();
        });
        using var call = new ProxyCall(isAsync);
        var tunnel = await call.RunAsync(At(fake, ProxyKind.HttpConnect) with { User = "alice", Password = Password }, "localhost", 25);
        Assert.Equal("220 fake.test ESMTP\r\n", await call.ReadLineAsync(tunnel.Stream));
        Assert.Equal(2, fake.Connections.Count);
        Assert.Equal(2, call.Connections);
        Assert.DoesNotContain("Proxy-Authorization", fake.Connections[0].ReceivedText, StringComparison.Ordinal);
        Assert.Contains($"Proxy-Authorization: Basic {Basic}\r\n", fake.Connections[1].ReceivedText, StringComparison.Ordinal);
        call.AssertNeverShows(Password);
    }
}
