using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Engine;

/// <summary>Disposing the component while a call runs on another thread stops the call and closes the connection.</summary>
public class DisposeTests
{
    [Fact]
    public async Task DisposeDuringACallInterruptsItAndClosesTheConnection()
    {
        await using var server = new FakeSmtpServer();
        var greeted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.On("EHLO", _ =>
        {
            greeted.TrySetResult();
            return FakeAction.Hang;
        });
        var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 30 };
        var connect = Task.Run(() => smtp.Connect());
        await greeted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        smtp.Dispose();
        var e = await Assert.ThrowsAsync<SmtpException>(() => connect.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SmtpErrorCodes.Interrupted, e.Code);
        Assert.False(smtp.Connected);
        Assert.Throws<ObjectDisposedException>(() => smtp.Connect());
    }

    [Fact]
    public async Task DisposeWhenIdleClosesTheConnection()
    {
        await using var server = new FakeSmtpServer();
        var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port };
        await smtp.ConnectAsync();
        smtp.Dispose();
        Assert.False(smtp.Connected);
        smtp.Dispose(); // twice is fine
    }
}
