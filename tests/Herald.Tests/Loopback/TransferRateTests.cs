using System.Diagnostics;
using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Loopback;

/// <summary>
/// MaxTransferRate throttles the message data. Only a lower bound on the time is asserted: how fast an unthrottled
/// send is belongs in a benchmark.
/// </summary>
[Collection(LoopbackTiming.Name)]
public class TransferRateTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MaxTransferRateSlowsTheDataToAboutTheRate(bool isAsync)
    {
        const int rate = 200_000;
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        smtp.MessageText = string.Concat(Enumerable.Repeat(new string('x', 98) + "\r\n", 3_000)); // 300 000 bytes
        smtp.Config($"MaxTransferRate={rate}");

        var clock = Stopwatch.StartNew();
        await Send(smtp, isAsync);
        clock.Stop();

        var message = Assert.Single(server.Sessions[0].Messages);
        int bytes = message.RawData.Length;
        // The first tenth of a second's worth may leave at once; everything after it waits for the rate.
        var least = TimeSpan.FromSeconds(0.9 * (bytes - rate / 10) / rate);
        Assert.True(clock.Elapsed >= least,
            $"{bytes} bytes at {rate} B/s took {clock.Elapsed.TotalSeconds:0.00} s, less than {least.TotalSeconds:0.00} s");
        Assert.EndsWith(new string('x', 98) + "\r\n", message.Text);
    }
}
