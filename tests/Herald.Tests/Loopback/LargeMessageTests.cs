using System.Diagnostics;
using System.Net;
using Herald.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Herald.Tests.Loopback;

/// <summary>A message far larger than any buffer goes through with memory that does not grow with its size.</summary>
[Collection(LoopbackTiming.Name)]
public class LargeMessageTests(ITestOutputHelper output)
{
    private const long Size = 1L << 30; // 1 GiB

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StreamsAOneGigabyteMessageInBoundedMemory(bool isAsync)
    {
        await using var server = new SinkSmtpServer(IPAddress.Loopback);
        using var smtp = new Smtp { MailServer = "127.0.0.1", MailPort = server.Port, Timeout = 60 };
        smtp.Config("Hello=client.test");
        smtp.From = "alice@example.org";
        smtp.SendTo = "bob@example.com";
        smtp.MessageDate = "";
        smtp.MessageId = "";
        var body = new PatternStream(Size);
        smtp.SetMessageStream(body);
        long lastPercent = -1;
        smtp.OnTransfer += (_, e) => lastPercent = e.PercentDone;

        var clock = new Stopwatch();
        long growth = await HeapGrowth.DuringAsync(async () =>
        {
            clock.Start();
            if (isAsync)
            {
                await smtp.SendAsync();
            }
            else
            {
                await LoopbackSmtp.OnOwnThread(smtp.Send);
            }
            clock.Stop();
        });

        output.WriteLine($"{Size >> 20} MiB in {clock.Elapsed.TotalSeconds:0.00} s; " +
            $"managed heap grew by at most {growth >> 20} MiB");
        const string headers = "From: alice@example.org\r\nTo: bob@example.com\r\n\r\n";
        var session = Assert.Single(server.Sessions);
        // 1 GiB is not a whole number of 80-byte lines: the client ends the last, partial line with CRLF.
        Assert.Equal(headers.Length + Size + "\r\n".Length + ".\r\n".Length, Assert.Single(session.MessageLengths));
        Assert.Equal(100, lastPercent);
        Assert.True(body.IsDisposed);
        Assert.True(growth < 48L << 20, $"The managed heap grew by {growth >> 20} MiB while sending.");
    }
}
