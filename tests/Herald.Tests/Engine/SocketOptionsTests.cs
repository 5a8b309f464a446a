using System.Net.Sockets;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Engine;

/// <summary>The TCP config settings reach the socket the component connects with.</summary>
public class SocketOptionsTests
{
    [Fact]
    public async Task TcpSettingsAreAppliedToTheSocket()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port };
        smtp.Config("TcpNoDelay=True");
        smtp.Config("KeepAliveTime=30000");
        smtp.Config("KeepAliveInterval=5000");
        smtp.Config("KeepAliveRetryCount=4");
        smtp.Config("LingerTime=7");
        smtp.Config("InBufferSize=32768");
        smtp.Config("OutBufferSize=32768");
        await smtp.ConnectAsync();
        var socket = smtp.Engine.Socket!;
        Assert.True(socket.NoDelay);
        Assert.Equal(1, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)!);
        Assert.Equal(30, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!);
        Assert.Equal(5, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!);
        Assert.Equal(4, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!);
        Assert.True(socket.LingerState!.Enabled);
        Assert.Equal(7, socket.LingerState.LingerTime);
        // Linux doubles the requested size for its bookkeeping; it never gives less than asked.
        Assert.True(socket.ReceiveBufferSize >= 32768);
        Assert.True(socket.SendBufferSize >= 32768);
        await smtp.DisconnectAsync();
    }

    [Fact]
    public async Task DefaultsLeaveNagleAndKeepAliveAlone()
    {
        await using var server = new FakeSmtpServer();
        using var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port };
        await smtp.ConnectAsync();
        var socket = smtp.Engine.Socket!;
        Assert.False(socket.NoDelay);
        Assert.Equal(0, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)!);
        Assert.False(socket.LingerState!.Enabled); // Linger=True with LingerTime 0: the system's graceful close
        await smtp.DisconnectAsync();
    }
}
