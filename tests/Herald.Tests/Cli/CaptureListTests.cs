using System.Text;
using Herald.Cli;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary><c>herald capture list</c> and <c>herald capture show</c> over a capture folder laid out by hand.</summary>
public sealed class CaptureListTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "herald-capture-list-" + Guid.NewGuid().ToString("N"));

    public CaptureListTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Save(string name, string prefix, string message)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(prefix + message));
        return path;
    }

    [Fact]
    public async Task ListShowsOneLinePerMessageOldestFirst()
    {
        // Saved out of order on purpose: the time in the name decides.
        Save("20260102T030405.000Z-bbbbbbbb.eml",
            "X-Herald-Envelope-From: <>\r\nX-Herald-Envelope-To: <postmaster@example.com>\r\n",
            "From: MAILER-DAEMON\r\n\r\nno subject here\r\n");
        Save("20260101T000000.500Z-aaaaaaaa.eml",
            "X-Herald-Envelope-From: <app@example.com>\r\nX-Herald-Envelope-To: <a@example.com>\r\n" +
            "X-Herald-Envelope-To: <b@example.com>\r\nX-Herald-Auth-User: alice\r\nX-Herald-Tls: TLSv1.3 TLS_AES_256_GCM_SHA384\r\n",
            "From: app@example.com\r\nSubject: =?UTF-8?Q?Caf=C3=A9?=\r\n =?UTF-8?B?IG9wZW4=?= today\r\nTo: a@example.com\r\n\r\nHi\r\n");
        Save("20260103T000000.000Z-cccccccc.eml",
            "X-Herald-Envelope-From: <news@example.com>\r\nX-Herald-Envelope-To: <c@example.com>\r\n",
            "Subject: " + new string('x', 70) + "\r\n\r\nbody\r\n");
        File.WriteAllText(Path.Combine(_dir, ".0123abcd.part"), "unfinished");
        Directory.CreateDirectory(Path.Combine(_dir, "tls"));

        var r = await CliRunner.RunAsync(["capture", "list", "--capture-dir", _dir]);

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        string Local(int y, int mo, int d, int h, int mi, int s) =>
            new DateTime(y, mo, d, h, mi, s, DateTimeKind.Utc).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");
        Assert.Equal("#  TIME                 FROM              TO                            " +
                     "SUBJECT                                             SIZE  USER", lines[0]);
        Assert.Equal($"1  {Local(2026, 1, 1, 0, 0, 0)}  app@example.com   a@example.com, b@example.com  " +
                     "Café open today                                      109  alice", lines[1]);
        Assert.Equal($"2  {Local(2026, 1, 2, 3, 4, 5)}  <>                postmaster@example.com        " +
                     "-                                                     40  -", lines[2]);
        Assert.Equal($"3  {Local(2026, 1, 3, 0, 0, 0)}  news@example.com  c@example.com                 " +
                     new string('x', 47) + "...    89  -", lines[3]);
    }

    [Fact]
    public async Task ShowPrintsTheSavedFile()
    {
        Save("20260101T000000.000Z-aaaaaaaa.eml", "X-Herald-Envelope-From: <a@example.com>\r\n", "Subject: one\r\n\r\n1\r\n");
        string second = Save("20260101T000001.000Z-aaaaaaaa.eml", "X-Herald-Envelope-From: <b@example.com>\r\n",
            "Subject: two\r\n\r\nLine 2 – ünïcode\r\n");

        var r = await CliRunner.RunAsync(["capture", "show", "2", "--capture-dir", _dir]);

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal(await File.ReadAllTextAsync(second), r.Out);
    }

    [Fact]
    public async Task ShowWritesBytesUnchangedWhenStdoutTakesBytes()
    {
        // An 8-bit body in Latin-1: not UTF-8, and it must come out exactly as it was saved.
        byte[] content = [.. "X-Herald-Envelope-From: <a@example.com>\r\n\r\n"u8, 0xE9, 0xE8, (byte)'\r', (byte)'\n'];
        await File.WriteAllBytesAsync(Path.Combine(_dir, "20260101T000000.000Z-aaaaaaaa.eml"), content);
        var stdout = new MemoryStream();
        var env = new CliEnvironment
        {
            Out = new StringWriter(),
            Error = new StringWriter(),
            OpenOutput = () => stdout,
            OpenInput = () => new MemoryStream(),
            IsInputRedirected = false,
            GetVariable = _ => null,
        };

        int code = await HeraldCommandLine.RunAsync(["capture", "show", "1", "--capture-dir", _dir], env, CancellationToken.None);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(content, stdout.ToArray());
    }

    [Fact]
    public async Task ShowOfAMissingNumberSaysWhichExist()
    {
        Save("20260101T000000.000Z-aaaaaaaa.eml", "X-Herald-Envelope-From: <a@example.com>\r\n", "Subject: one\r\n\r\n1\r\n");
        Save("20260101T000001.000Z-aaaaaaaa.eml", "X-Herald-Envelope-From: <a@example.com>\r\n", "Subject: two\r\n\r\n2\r\n");

        var r = await CliRunner.RunAsync(["capture", "show", "3", "--capture-dir", _dir]);

        Assert.Equal(ExitCodes.NoInput, r.ExitCode);
        Assert.Contains($"There is no message 3: {_dir} holds messages 1 to 2 (see 'herald capture list').", r.Error);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public async Task AnEmptyOrMissingFolderListsNothing()
    {
        string missing = Path.Combine(_dir, "never-created");
        var list = await CliRunner.RunAsync(["capture", "list", "--capture-dir", missing]);
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        Assert.Equal("", list.Out);
        Assert.Contains($"No saved messages in {missing}.", list.Error);

        var show = await CliRunner.RunAsync(["capture", "show", "1", "--capture-dir", missing]);
        Assert.Equal(ExitCodes.NoInput, show.ExitCode);
        Assert.Contains("holds no saved messages", show.Error);
    }

    [Fact]
    public async Task ListUsesTheDefaultCaptureFolder()
    {
        Save("20260101T000000.000Z-aaaaaaaa.eml", "X-Herald-Envelope-From: <a@example.com>\r\nX-Herald-Envelope-To: <b@example.com>\r\n",
            "Subject: via env\r\n\r\nx\r\n");
        var r = await CliRunner.RunAsync(["capture", "list"], new Dictionary<string, string> { ["HERALD_CAPTURE_DIR"] = _dir });
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("  via env  ", r.Out);
    }

    [Fact]
    public async Task AParseErrorInASubcommandPointsAtItsHelp()
    {
        var r = await CliRunner.RunAsync(["capture", "show", "first"]);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("Run 'herald capture show --help' for the options.", r.Error);
    }
}
