using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Engine;

/// <summary>
/// Disposing the component: Dispose closes the connection without a word (and stops a call running on another thread);
/// DisposeAsync first ends the session with QUIT.
/// </summary>
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

    [Fact]
    public async Task DisposeClosesWithoutQuitAndDisposeAsyncSaysQuitFirst()
    {
        await using var server = new FakeSmtpServer();
        var plain = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 20 };
        await plain.ConnectAsync();
        plain.Dispose();
        var first = await server.WaitForSessionAsync(0, TimeSpan.FromSeconds(10));
        await WaitForEndAsync(first);
        Assert.DoesNotContain("QUIT", first.Lines);
        Assert.True(first.ClientClosed);

        var polite = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 20 };
        await polite.ConnectAsync();
        await polite.DisposeAsync();
        var second = await server.WaitForSessionAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal("QUIT", second.Lines[^1]);
        Assert.False(polite.Connected);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => polite.SendAsync());
        await polite.DisposeAsync(); // twice is fine
        polite.Dispose();
    }

    [Fact]
    public async Task AwaitUsingEndsTheSessionWithQuitAndNeverConnectsByItself()
    {
        await using var server = new FakeSmtpServer();
        await using (var idle = new Smtp { MailServer = server.Host, MailPort = server.Port })
        {
            idle.From = "alice@example.org";
        }
        Assert.Empty(server.Sessions);

        await using (var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 20 })
        {
            smtp.From = "alice@example.org";
            smtp.SendTo = "bob@example.com";
            smtp.MessageText = "Hello.";
            await smtp.ConnectAsync();
            await smtp.SendAsync();
        }
        var session = Assert.Single(server.Sessions);
        Assert.Single(session.Messages);
        Assert.Equal("QUIT", session.Lines[^1]);
    }

    [Fact]
    public async Task DisposeAsyncDuringACallOnAnotherThreadInterruptsItWithoutQuit()
    {
        await using var server = new FakeSmtpServer();
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The server answers late, and then goes on reading, so that it would see a QUIT if one came.
        server.On("NOOP", c =>
        {
            waiting.TrySetResult();
            return FakeAction.Delay(TimeSpan.FromSeconds(1), c.BuiltIn());
        });
        var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 30 };
        await smtp.ConnectAsync();
        var call = Task.Run(() => smtp.SendCommand("NOOP"));
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await smtp.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        var e = await Assert.ThrowsAsync<SmtpException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SmtpErrorCodes.Interrupted, e.Code);
        var session = Assert.Single(server.Sessions);
        await WaitForEndAsync(session);
        Assert.DoesNotContain("QUIT", session.Lines);
    }

    [Fact]
    public async Task DisposeAsyncGivesUpOnAServerThatNeverAnswersQuitAndStillCloses()
    {
        await using var server = new FakeSmtpServer();
        server.On("QUIT", _ => FakeAction.Hang);
        var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 1 };
        await smtp.ConnectAsync();

        await smtp.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.False(smtp.Connected);
        var session = Assert.Single(server.Sessions);
        Assert.Equal("QUIT", session.Lines[^1]);
        Assert.Throws<ObjectDisposedException>(() => smtp.Connect());
    }

    private static Task WaitForEndAsync(FakeSession session) => session.Ended.WaitAsync(TimeSpan.FromSeconds(10));
}
