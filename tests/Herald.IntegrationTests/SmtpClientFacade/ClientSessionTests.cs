using System.Net.Sockets;
using System.Text;
using Herald.IntegrationTests.Support;
using Herald.IntegrationTests.Tls;
using Xunit;

namespace Herald.IntegrationTests.SmtpClientFacade;

/// <summary>
/// What SmtpClient learns about the session: ServerInfo held against an EHLO reply read from Postfix (25025) by a plain
/// socket, the post-STARTTLS capabilities, and Domain as the EHLO name Postfix records.
/// </summary>
public sealed class ClientSessionTests
{
    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task ServerInfoIsWhatPostfixAnnouncesInEhlo(Api api)
    {
        var ehlo = await RawEhloAsync(Peers.PostfixOpen);
        using var client = ClientPeer.Create(out _);
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;

        await client.ConnectUsing(api, Peers.PostfixOpen, Peers.Host);
        var info = client.ServerInfo;

        Assert.True(info.Available);
        Assert.Equal(ehlo.ContainsKey("SIZE"), info.SizeSupported);
        Assert.Equal(long.Parse(ehlo["SIZE"], System.Globalization.CultureInfo.InvariantCulture), info.MaxMessageSize);
        Assert.Equal(Peers.PostfixMaxMessageSize, info.MaxMessageSize);
        Assert.Equal(ehlo.ContainsKey("CHUNKING"), info.ChunkingSupported);
        Assert.True(info.ChunkingSupported);
        Assert.Equal(ehlo.ContainsKey("BINARYMIME"), info.BinarySupported);
        Assert.Equal(ehlo.ContainsKey("DSN"), info.DsnSupported);
        Assert.True(info.DsnSupported);
        Assert.Equal(ehlo.ContainsKey("ENHANCEDSTATUSCODES"), info.StatusCodesSupported);
        Assert.True(info.StatusCodesSupported);
        Assert.Equal(ehlo.ContainsKey("AUTH"), info.SaslSupported);
        Assert.False(info.AuthPlainSupported);
        Assert.False(info.AuthLoginSupported);
        Assert.Equal(ehlo.Keys.Order(), info.Extensions.Keys.Order());
        Assert.Contains("STARTTLS", info.Extensions.Keys);

        await client.DisconnectUsing(api);
        // The values stay for reading after the session ends.
        Assert.Equal(Peers.PostfixMaxMessageSize, client.ServerInfo.MaxMessageSize);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task AfterStartTlsServerInfoHoldsTheCapabilitiesAnnouncedOverTls(Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = SmtpClientTlsMode.ExplicitTls;
        ClientPeer.TrustOnlyTestCa(client);

        await client.ConnectUsing(api, Peers.DovecotSubmission);

        // Dovecot offers AUTH on both sides of STARTTLS; STARTTLS itself only before it.
        Assert.Equal(2, trace.Count(l => l.StartsWith("C: EHLO ", StringComparison.Ordinal)));
        Assert.DoesNotContain("STARTTLS", client.ServerInfo.Extensions.Keys);
        Assert.True(client.ServerInfo.AuthPlainSupported);
        Assert.True(client.ServerInfo.AuthLoginSupported);
        Assert.True(client.ServerInfo.ChunkingSupported);
        Assert.True(client.ServerInfo.SizeSupported);
        await client.DisconnectUsing(api);
    }

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task DomainIsTheEhloNamePostfixRecords(Api api)
    {
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        client.Domain = "client-domain.example";
        string marker = Peers.NewMarker();
        ClientPeer.SetMessage(client, marker);

        await client.ConnectUsing(api, Peers.PostfixOpen, Peers.Host);
        await client.SendMessageUsing(api);
        await client.DisconnectUsing(api);

        Assert.Contains("C: EHLO client-domain.example", trace);
        string received = PeerSmtp.TopReceivedHeader(await Peers.WaitForMaildirMessageAsync(marker));
        Assert.StartsWith("from client-domain.example ", received);
    }

    /// <summary>Reads Postfix's EHLO reply over a plain socket: keyword to parameters.</summary>
    private static async Task<Dictionary<string, string>> RawEhloAsync(int port)
    {
        Peers.RequirePeer(port);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Peers.Host, port);
        using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await reader.ReadLineAsync(); // greeting
        await stream.WriteAsync("EHLO raw.test\r\n"u8.ToArray());
        var keywords = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        bool first = true;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!first)
            {
                string text = line[4..];
                int space = text.IndexOf(' ', StringComparison.Ordinal);
                keywords[space < 0 ? text : text[..space]] = space < 0 ? "" : text[(space + 1)..];
            }
            first = false;
            if (line[3] == ' ')
            {
                break;
            }
        }
        await stream.WriteAsync("QUIT\r\n"u8.ToArray());
        return keywords;
    }
}
