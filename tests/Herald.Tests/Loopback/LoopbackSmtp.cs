using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Loopback;

/// <summary>Shared by the loopback tests: a component aimed at a fake server, and sync/async dispatch.</summary>
internal static class LoopbackSmtp
{
    /// <summary>A safety limit for waits that should end far sooner; never an assertion about speed.</summary>
    public static readonly TimeSpan SafetyLimit = TimeSpan.FromSeconds(20);

    /// <summary>A component aimed at <paramref name="server"/> with a message ready to send.</summary>
    public static Smtp Create(FakeSmtpServer server)
    {
        var smtp = new Smtp { MailServer = server.Host, MailPort = server.Port, Timeout = 20 };
        smtp.Config("Hello=client.test");
        smtp.From = "alice@example.org";
        smtp.SendTo = "bob@example.com";
        smtp.Subject = "Hi";
        smtp.MessageText = "Hello.\r\n";
        return smtp;
    }

    /// <summary>
    /// Send or SendAsync. The sync form blocks a thread of its own, not one of the few pool threads the fake server
    /// needs to answer in time (on a two-core machine a blocked pool thread delays the server's replies).
    /// </summary>
    public static Task Send(Smtp smtp, bool isAsync) => isAsync ? smtp.SendAsync() : OnOwnThread(smtp.Send);

    /// <summary>Connect or ConnectAsync, as <see cref="Send"/>.</summary>
    public static Task Connect(Smtp smtp, bool isAsync) => isAsync ? smtp.ConnectAsync() : OnOwnThread(smtp.Connect);

    /// <summary>Runs a blocking call on a dedicated thread.</summary>
    public static Task OnOwnThread(Action call) =>
        Task.Factory.StartNew(call, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>A send that must fail with an SmtpException.</summary>
    public static Task<SmtpException> SendFails(Smtp smtp, bool isAsync) => Assert.ThrowsAsync<SmtpException>(() => Send(smtp, isAsync));

    /// <summary>A connect that must fail with an SmtpException.</summary>
    public static Task<SmtpException> ConnectFails(Smtp smtp, bool isAsync) =>
        Assert.ThrowsAsync<SmtpException>(() => Connect(smtp, isAsync));

    /// <summary>Only the first connection gets <paramref name="action"/>; later ones get the built-in answer.</summary>
    public static Func<FakeCommand, FakeAction?> FirstConnection(FakeAction action) => cmd => cmd.Session.Index == 0 ? action : null;

    /// <summary>Collects the OnPITrail messages of one direction (2: the component's own notes), as they come.</summary>
    public static List<string> Trace(Smtp smtp, int direction = 2)
    {
        var lines = new List<string>();
        smtp.OnPITrail += (_, e) =>
        {
            if (e.Direction == direction)
            {
                lock (lines)
                {
                    lines.Add(e.Message);
                }
            }
        };
        return lines;
    }
}
