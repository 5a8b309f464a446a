using System.Net;
using System.Net.Sockets;
using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Loopback;

/// <summary>LocalHost/LocalPort binding as the server sees it, and UseIPv6 choosing the address family.</summary>
public class LocalBindingTests
{
    private static int FreePort(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheServerSeesTheBoundLocalAddressAndPort(bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        // Any 127.x.y.z is loopback on Linux; binding to 127.0.0.2 shows that the bind, not a default, chose it.
        var local = OperatingSystem.IsLinux() ? IPAddress.Parse("127.0.0.2") : IPAddress.Loopback;
        int port = FreePort(local);
        smtp.LocalHost = local.ToString();
        smtp.Config($"LocalPort={port}");

        await Connect(smtp, isAsync);
        var session = await server.WaitForSessionAsync(0, SafetyLimit);
        Assert.Equal(new IPEndPoint(local, port), session.RemoteEndPoint);
        Assert.Equal(local.ToString(), smtp.LocalHost);
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), smtp.Config("LocalPort"));
        await smtp.DisconnectAsync();
    }

    [Fact]
    public async Task WithoutABindTheLocalPortIsReportedWhileConnected()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        Assert.Equal("0", smtp.Config("LocalPort"));
        await smtp.ConnectAsync();
        var session = await server.WaitForSessionAsync(0, SafetyLimit);
        Assert.Equal(session.RemoteEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), smtp.Config("LocalPort"));
        Assert.Equal("127.0.0.1", smtp.LocalHost);
        await smtp.DisconnectAsync();
        Assert.Equal("0", smtp.Config("LocalPort"));
    }

    /// <summary>A sink on ::1 and one on 127.0.0.1, on the same port, so that a name can lead to either.</summary>
    private static async Task<(SinkSmtpServer V6, SinkSmtpServer V4)> DualStackSinks()
    {
        for (int attempt = 0; ; attempt++)
        {
            var v6 = new SinkSmtpServer(IPAddress.IPv6Loopback);
            try
            {
                return (v6, new SinkSmtpServer(IPAddress.Loopback, v6.Port));
            }
            catch (SocketException) when (attempt < 20)
            {
                await v6.DisposeAsync(); // the port is taken on 127.0.0.1: try another
            }
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public async Task UseIPv6ChoosesTheFamilyOfTheServersAddress(int useIPv6, bool isAsync)
    {
        if (!Socket.OSSupportsIPv6)
        {
            return; // no IPv6 loopback to talk to on this machine
        }
        var (v6, v4) = await DualStackSinks();
        await using var _ = v6;
        await using var __ = v4;
        // What "localhost" resolves to decides which families can be tried (some systems have no ::1 entry).
        var resolved = await Dns.GetHostAddressesAsync("localhost");
        bool hasV6 = resolved.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6 && IPAddress.IsLoopback(a));
        bool hasV4 = resolved.Any(a => a.AddressFamily == AddressFamily.InterNetwork);
        SinkSmtpServer? expected = useIPv6 switch
        {
            0 => hasV4 ? v4 : null,
            1 => hasV6 ? v6 : null,
            _ => hasV6 ? v6 : hasV4 ? v4 : null,
        };

        using var smtp = new Smtp { MailServer = "localhost", MailPort = v6.Port, Timeout = 20 };
        smtp.Config($"UseIPv6={useIPv6}");
        if (expected is null)
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.HostNotFound, e.Code);
            Assert.Contains(useIPv6 == 1 ? "no IPv6 address" : "no IPv4 address", e.Message);
            return;
        }
        await Connect(smtp, isAsync);
        await smtp.DisconnectAsync();
        var other = expected == v6 ? v4 : v6;
        Assert.Single(expected.Sessions);
        Assert.Empty(other.Sessions);
        Assert.Equal(expected.Address, Assert.Single(expected.Sessions).RemoteEndPoint.Address);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AnIPv6LiteralIsUsedWhateverUseIPv6Says(int useIPv6)
    {
        if (!Socket.OSSupportsIPv6)
        {
            return; // no IPv6 loopback to talk to on this machine
        }
        await using var v6 = new SinkSmtpServer(IPAddress.IPv6Loopback);
        using var smtp = new Smtp { MailServer = "::1", MailPort = v6.Port, Timeout = 20 };
        smtp.Config($"UseIPv6={useIPv6}");
        await smtp.ConnectAsync();
        Assert.Equal("::1", smtp.LocalHost);
        await smtp.DisconnectAsync();
        Assert.Equal(IPAddress.IPv6Loopback, Assert.Single(v6.Sessions).RemoteEndPoint.Address);
    }

    [Fact]
    public async Task UseIPv6TwoFallsBackToIPv4()
    {
        // The fake server listens on 127.0.0.1 only: with UseIPv6=2 an IPv6 address of "localhost" (if any) is
        // refused and the client goes on to the IPv4 one.
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        smtp.MailServer = "localhost";
        smtp.Config("UseIPv6=2");
        await smtp.SendAsync();
        Assert.Single(server.Sessions[0].Messages);
    }
}
