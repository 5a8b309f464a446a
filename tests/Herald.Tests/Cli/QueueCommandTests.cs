using System.Text.Json;
using Herald.Cli;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary><c>herald queue</c> in-process: add, list (table and JSON), show, run (drain), retry and purge.</summary>
public sealed class QueueCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("herald-cli-queue-").FullName;

    private string Dir => Path.Combine(_root, "queue");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<CliRunner.Result> Herald(params string[] args) =>
        CliRunner.RunAsync(args, new Dictionary<string, string> { ["HERALD_QUEUE_DIR"] = Dir });

    private Task<CliRunner.Result> Add(string to, string subject) =>
        Herald("queue", "add", "--from", "alice@example.org", "--to", to, "--subject", subject, "--body", "Hello");

    [Fact]
    public async Task AddCreatesThePrivateDirectoryAndQueuesTheMessage()
    {
        var added = await Add("bob@example.com", "One");
        Assert.Equal(ExitCodes.Ok, added.ExitCode);
        Assert.StartsWith("Queued ", added.Out, StringComparison.Ordinal);
        string id = added.Out.Split(' ')[1];
        Assert.True(File.Exists(Path.Combine(Dir, id + ".queued")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Dir));
        }

        var list = await Herald("queue", "list");
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        var lines = list.Out.TrimEnd('\n').Split('\n');
        Assert.StartsWith("ID ", lines[0], StringComparison.Ordinal);
        Assert.Contains(id, lines[1], StringComparison.Ordinal);
        Assert.Contains("queued", lines[1], StringComparison.Ordinal);
        Assert.Contains("bob@example.com", lines[1], StringComparison.Ordinal);

        var show = await Herald("queue", "show", id);
        Assert.Contains("State:     queued", show.Out, StringComparison.Ordinal);
        Assert.Contains("TO         <bob@example.com> pending", show.Out, StringComparison.Ordinal);
        Assert.EndsWith("Subject: One\r\n", show.Out[..show.Out.IndexOf("Date:", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddNeedsASenderAndARecipient()
    {
        var noSender = await Herald("queue", "add", "--to", "bob@example.com", "--body", "x");
        Assert.Equal(ExitCodes.Usage, noSender.ExitCode);
        Assert.Contains("--from", noSender.Error, StringComparison.Ordinal);
        var noRecipient = await Herald("queue", "add", "--from", "a@example.org", "--body", "x");
        Assert.Equal(ExitCodes.Usage, noRecipient.ExitCode);
        Assert.False(Directory.Exists(Dir));
    }

    [Fact]
    public async Task ListAsJsonHasTheDocumentedShape()
    {
        await Add("bob@example.com", "One");
        var result = await Herald("queue", "list", "--json");

        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(Dir, root.GetProperty("directory").GetString());
        var m = Assert.Single(root.GetProperty("messages").EnumerateArray().ToList());
        Assert.Equal(
            ["id", "state", "beingSent", "created", "attempts", "nextAttempt", "lastError", "mayHaveBeenDeliveredTwice", "from",
             "recipients", "size", "path"],
            m.EnumerateObject().Select(p => p.Name));
        Assert.Equal("queued", m.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, m.GetProperty("nextAttempt").ValueKind);
        Assert.EndsWith("Z", m.GetProperty("created").GetString(), StringComparison.Ordinal);
        var r = Assert.Single(m.GetProperty("recipients").EnumerateArray().ToList());
        Assert.Equal(["address", "type", "status", "lastReply"], r.EnumerateObject().Select(p => p.Name));
        Assert.Equal("to", r.GetProperty("type").GetString());
        Assert.Equal("pending", r.GetProperty("status").GetString());
    }

    [Fact]
    public async Task RunDrainsTheQueueAndItsExitCodeSaysWhatIsLeft()
    {
        await Add("bob@example.com", "One");
        await Add("nobody@example.com", "Two");
        await Add("later@example.com", "Three");
        await using var server = new FakeSmtpServer();
        server.On("RCPT", cmd =>
            cmd.Argument.Contains("nobody@", StringComparison.Ordinal) ? FakeAction.Reply("550 5.1.1 No such user")
            : cmd.Argument.Contains("later@", StringComparison.Ordinal) ? FakeAction.Reply("451 4.7.1 Greylisted")
            : null);

        var run = await Herald("queue", "run", "--server", $"{server.Host}:{server.Port}", "--tls", "none", "--keep-sent");

        Assert.Equal(ExitCodes.Unavailable, run.ExitCode); // one failed for good
        Assert.Contains("herald: queue: 1 sent, 1 deferred, 1 failed.", run.Error, StringComparison.Ordinal);
        Assert.Contains(" failed: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(" deferred until ", run.Error, StringComparison.Ordinal);
        Assert.Single(server.Sessions.Single().Messages);

        var retry = await Herald("queue", "retry", "--all-failed");
        Assert.Equal("Put 1 failed message back in the queue.\n", retry.Out);
        var purge = await Herald("queue", "purge", "--sent", "--failed");
        Assert.Equal("Deleted 1 sent message.\nDeleted 0 failed messages.\n", purge.Out);
        Assert.Equal(2, Directory.GetFiles(Dir, "*.queued").Length);
    }

    [Fact]
    public async Task RunWithNothingDueExitsCleanly()
    {
        Directory.CreateDirectory(Dir);
        await using var server = new FakeSmtpServer();
        var run = await Herald("queue", "run", "--server", $"{server.Host}:{server.Port}", "--tls", "none");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Empty(server.Sessions);
    }

    [Theory]
    [InlineData(new[] { "queue", "run" }, "needs a server")]
    [InlineData(new[] { "queue", "run", "--server", "127.0.0.1", "--poll", "2" }, "--poll only applies with --watch")]
    [InlineData(new[] { "queue", "run", "--server", "127.0.0.1", "--workers", "0" }, "--workers takes a whole number from 1 to 64")]
    [InlineData(new[] { "queue", "retry" }, "Give either a message ID or --all-failed")]
    [InlineData(new[] { "queue", "purge" }, "--sent, --failed or both")]
    public async Task UsageErrorsSayWhatToDo(string[] args, string expected)
    {
        Directory.CreateDirectory(Dir);
        var result = await Herald(args);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowAndRetryOfAnUnknownIdAreNoInput()
    {
        Directory.CreateDirectory(Dir);
        Assert.Equal(ExitCodes.NoInput, (await Herald("queue", "show", "nope")).ExitCode);
        Assert.Equal(ExitCodes.NoInput, (await Herald("queue", "retry", "nope")).ExitCode);
        Assert.Equal(ExitCodes.NoInput, (await CliRunner.RunAsync(["queue", "list", "--queue-dir", Path.Combine(_root, "none")])).ExitCode);
    }
}
