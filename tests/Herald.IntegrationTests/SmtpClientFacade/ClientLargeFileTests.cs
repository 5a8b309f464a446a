using System.Text;
using Herald.IntegrationTests.Support;
using Herald.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Herald.IntegrationTests.SmtpClientFacade;

/// <summary>
/// SendFile streams: a 200 MB message file goes to smtp-sink (25100) while the managed heap stays flat, and Progress
/// counts up to the file's size.
/// </summary>
[Collection(Measured.Name)]
public sealed class ClientLargeFileTests(ITestOutputHelper output) : IDisposable
{
    private const long Size = 200L * 1000 * 1000;
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"herald-200mb-{Guid.NewGuid():N}.eml");

    [Theory]
    [InlineData(Api.Sync)]
    [InlineData(Api.Async)]
    public async Task A200MegabyteFileIsSentWithFlatMemory(Api api)
    {
        long fileLength = WriteMessageFile(_path, Size);
        using var client = ClientPeer.Create(out var trace);
        client.TLS.TLSMode = SmtpClientTlsMode.NoTls;
        long total = -2, current = -2;
        int events = 0;
        client.Progress += (_, e) =>
        {
            total = e.Total;
            current = e.Current;
            events++;
        };
        await client.ConnectUsing(api, Peers.SmtpSink, Peers.Host);

        long sentBefore = client.ConnInfo.TotalBytesSent;
        long growth = await HeapGrowth.DuringAsync(() => client.SendFileUsing(api, _path));
        long sent = client.ConnInfo.TotalBytesSent - sentBefore;
        await client.DisconnectUsing(api);

        output.WriteLine($"{fileLength} bytes sent as {sent} bytes on the wire; the managed heap grew by at most " +
            $"{growth >> 20} MiB over {events} Progress events");
        Assert.Equal(fileLength, total);
        Assert.Equal(fileLength, current);
        Assert.True(sent > fileLength, $"only {sent} bytes went out");
        // The reply to the end of the data, just before QUIT.
        Assert.StartsWith("S: 250", trace[trace.IndexOf("C: QUIT") - 1]);
        Assert.True(growth < 48L << 20, $"The managed heap grew by {growth >> 20} MiB while sending.");
    }

    /// <summary>Writes a message of about <paramref name="size"/> bytes with CRLF lines, some starting with a dot.</summary>
    private static long WriteMessageFile(string path, long size)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var head = Encoding.ASCII.GetBytes(
            $"From: {ClientPeer.Sender}\r\nTo: big-file@example.com\r\nSubject: 200 MB\r\n\r\n");
        file.Write(head);
        var line = Encoding.ASCII.GetBytes(new string('x', 76) + "\r\n");
        var dotLine = Encoding.ASCII.GetBytes("." + new string('y', 75) + "\r\n");
        long written = head.Length;
        for (long i = 0; written < size; i++)
        {
            var l = i % 50 == 0 ? dotLine : line;
            file.Write(l);
            written += l.Length;
        }
        return written;
    }

    public void Dispose() => File.Delete(_path);
}
