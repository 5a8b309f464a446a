using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Cli;
using Herald.Cli.Commands;
using Herald.Cli.Options;
using Herald.Tests.Infrastructure;
using MimeKit;
using Xunit;

namespace Herald.Tests.Cli;

/// <summary>
/// <c>herald sendmail</c>: sendmail's command line (getopt, -t, -i/-oi, -f, -F), the server from HERALD_* variables,
/// the message from standard input with its Bcc lines removed and the From, Date and Message-ID it lacks added, and
/// sysexits.h exit codes; checked against the fake server.
/// </summary>
public sealed partial class SendmailTests
{
    private static readonly IReadOnlySet<string> NoFlags = new HashSet<string> { "--trace" };

    private static Dictionary<string, string> Variables(FakeSmtpServer server, string? from = null)
    {
        var variables = new Dictionary<string, string>
        {
            ["HERALD_SERVER"] = $"{server.Host}:{server.Port}",
            ["HERALD_TLS"] = "none",
        };
        if (from is not null)
        {
            variables["HERALD_FROM"] = from;
        }
        return variables;
    }

    [Fact]
    public void Arguments_are_read_as_getopt_reads_them()
    {
        var a = SendmailCommand.Parse(["-ti", "-fme@example.org", "-F", "Cron Daemon", "bob@example.com", "-oi", "-odi", "-oem",
            "--server", "mail.example.org:25", "--trace", "carol@example.com", "-bm", "-N", "never", "--", "-odd@example.com"], NoFlags);

        Assert.True(a.Extract);
        Assert.True(a.IgnoreDots);
        Assert.Equal("me@example.org", a.From);
        Assert.Equal("Cron Daemon", a.FullName);
        Assert.Equal(["bob@example.com", "carol@example.com", "-odd@example.com"], a.Recipients);
        Assert.Equal(["--server", "mail.example.org:25", "--trace"], a.Herald);

        Assert.False(SendmailCommand.Parse(["-odi", "bob@example.com"], NoFlags).IgnoreDots);
        Assert.True(SendmailCommand.Parse(["-o", "i"], NoFlags).IgnoreDots);
        Assert.True(SendmailCommand.Parse(["-O", "IgnoreDots=true"], NoFlags).IgnoreDots);
        Assert.Equal("x@example.org", SendmailCommand.Parse(["-r", "x@example.org"], NoFlags).From);
    }

    [Theory]
    [InlineData("-q", "unknown option -q")]
    [InlineData("-bs", "-bs is not supported")]
    [InlineData("-f", "-f needs a value")]
    [InlineData("--server", "--server needs a value")]
    public void Unknown_or_incomplete_options_are_usage_errors(string arg, string message)
    {
        var e = Assert.Throws<CliException>(() => SendmailCommand.Parse(arg.Split(' '), NoFlags));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dash_t_sends_to_the_header_recipients_without_bcc_lines_and_adds_what_the_message_lacks()
    {
        await using var server = new FakeSmtpServer();
        const string Input =
            "To: bob@example.com\n" +
            "Cc: Carol <carol@example.com>\n" +
            "Bcc: hidden@example.com\n" +
            "Subject: Cron <root@host> backup\n" +
            "\n" +
            "backup done\n" +
            ".\n" +
            "never read\n";

        var r = await CliRunner.RunAsync(["sendmail", "-t", "-F", "Cron Daemon", "extra@example.com"],
            Variables(server, from: "cron@example.org"), stdin: Input);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        Assert.Equal("", r.Out); // silent, as sendmail is
        var message = Assert.Single(server.Sessions[0].Messages);
        Assert.Equal("cron@example.org", message.From);
        Assert.Equal(["extra@example.com", "bob@example.com", "carol@example.com", "hidden@example.com"], message.Recipients);
        string text = message.Text;
        Assert.DoesNotContain("hidden@example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("never read", text, StringComparison.Ordinal); // without -i the lone dot ended the input
        Assert.StartsWith("To: bob@example.com\r\nCc: Carol <carol@example.com>\r\nSubject: Cron <root@host> backup\r\n" +
                          "From: \"Cron Daemon\" <cron@example.org>\r\nDate: ", text, StringComparison.Ordinal);
        Assert.Matches(@"\r\nMessage-ID: <[0-9a-f]+@example\.org>\r\n\r\nbackup done\r\n$", text);
        var parsed = MimeMessage.Load(new MemoryStream(message.Content));
        Assert.True(parsed.Date > DateTimeOffset.Now.AddMinutes(-5));
        Assert.Equal(message.Content.Length,
            long.Parse(SizeParameter().Match(message.MailLine).Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task With_dash_i_a_lone_dot_is_text_and_the_headers_decide_nothing_without_dash_t()
    {
        await using var server = new FakeSmtpServer();
        const string Input = "From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n" +
                             "Message-ID: <given@example.org>\r\n\r\none\r\n.\r\ntwo\r\n";

        var r = await CliRunner.RunAsync(["sendmail", "-oi", "only@example.net"], Variables(server), stdin: Input);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        var message = Assert.Single(server.Sessions[0].Messages);
        Assert.Equal("alice@example.org", message.From); // no -f, no HERALD_FROM: the From header
        Assert.Equal(["only@example.net"], message.Recipients);
        Assert.Equal(Input, message.Text); // complete already: nothing added
    }

    [Fact]
    public async Task Dash_f_sets_the_envelope_sender_and_the_null_sender_is_allowed()
    {
        await using var server = new FakeSmtpServer();
        const string Input = "Subject: bounce\n\nbody\n";

        var named = await CliRunner.RunAsync(["sendmail", "-f", "bounces@example.org", "bob@example.com"],
            Variables(server, "x@example.org"), stdin: Input);
        var nullSender = await CliRunner.RunAsync(["sendmail", "-f", "<>", "bob@example.com"], Variables(server), stdin: Input);

        Assert.True(named.ExitCode == ExitCodes.Ok, named.Error);
        Assert.True(nullSender.ExitCode == ExitCodes.Ok, nullSender.Error);
        var messages = server.Sessions.SelectMany(s => s.Messages).ToList();
        Assert.Equal(["bounces@example.org", ""], messages.Select(m => m.From));
        Assert.Contains("From: bounces@example.org\r\n", messages[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("From:", messages[1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_from_takes_the_configured_senders_name()
    {
        await using var server = new FakeSmtpServer();

        var r = await CliRunner.RunAsync(["sendmail", "bob@example.com"], Variables(server, "Nightly Backups <backup@example.org>"),
            stdin: "Subject: done\n\nok\n");

        Assert.True(r.ExitCode == ExitCodes.Ok, r.Error);
        var message = Assert.Single(server.Sessions[0].Messages);
        Assert.Equal("backup@example.org", message.From);
        Assert.StartsWith("Subject: done\r\nFrom: \"Nightly Backups\" <backup@example.org>\r\n", message.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_exits_as_sendmail_would()
    {
        await using var server = new FakeSmtpServer();
        server.On("RCPT", _ => FakeAction.Reply("550 5.1.1 No such user"));

        var r = await CliRunner.RunAsync(["sendmail", "nobody@example.com"], Variables(server, "a@example.org"),
            stdin: "Subject: x\n\ny\n");

        Assert.Equal(ExitCodes.Unavailable, r.ExitCode);
        Assert.Contains("No such user", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_and_usage_problems_have_their_own_exit_codes()
    {
        await using var server = new FakeSmtpServer();

        var noServer = await CliRunner.RunAsync(["sendmail", "bob@example.com"], new Dictionary<string, string>(), stdin: "x\n");
        var noRecipient = await CliRunner.RunAsync(["sendmail"], Variables(server, "a@example.org"), stdin: "x\n");
        var noneInHeaders = await CliRunner.RunAsync(["sendmail", "-t"], Variables(server, "a@example.org"), stdin: "Subject: x\n\ny\n");
        var localName = await CliRunner.RunAsync(["sendmail", "root"], Variables(server, "a@example.org"), stdin: "x\n");
        var noSender = await CliRunner.RunAsync(["sendmail", "bob@example.com"], Variables(server), stdin: "Subject: x\n\ny\n");

        Assert.Equal(ExitCodes.Config, noServer.ExitCode);
        Assert.Contains("HERALD_SERVER", noServer.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, noRecipient.ExitCode);
        Assert.Equal(ExitCodes.Usage, noneInHeaders.ExitCode);
        Assert.Contains("-t found no recipient", noneInHeaders.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, localName.ExitCode);
        Assert.Contains("MAILTO=", localName.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Config, noSender.ExitCode);
        Assert.Contains("-f ADDRESS", noSender.Error, StringComparison.Ordinal);
        Assert.Empty(server.Sessions.SelectMany(s => s.Messages));
    }

    [Theory]
    [InlineData("/usr/sbin/sendmail", true)]
    [InlineData("sendmail", true)]
    [InlineData("/usr/lib/sendmail", true)]
    [InlineData("/usr/local/bin/herald", false)]
    [InlineData("dotnet", false)]
    [InlineData(null, false)]
    public void A_process_started_as_sendmail_behaves_as_herald_sendmail(string? name, bool expected) =>
        Assert.Equal(expected, HeraldCommandLine.IsSendmailName(name));

    [Theory]
    [InlineData("a\n.\nb\n", "a\n")]
    [InlineData("a\r\n.\r\nb\r\n", "a\r\n")]
    [InlineData(".\n", "")]
    [InlineData("a\n.", "a\n")]
    [InlineData("a\n..\n.x\n. \nb", "a\n..\n.x\n. \nb")]
    [InlineData("a.\nb", "a.\nb")]
    [InlineData("a\n.\r", "a\n")]
    public void A_lone_dot_line_ends_the_input(string input, string expected)
    {
        foreach (int chunk in new[] { 1, 2, 3, 100 })
        {
            using var stream = new DotTerminatedStream(new ChunkedStream(Encoding.ASCII.GetBytes(input), chunk));
            var output = new MemoryStream();
            var buffer = new byte[chunk + 1];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, n);
            }
            Assert.Equal(expected, Encoding.ASCII.GetString(output.ToArray()));
        }
    }

    [GeneratedRegex(@"SIZE=(\d+)")]
    private static partial Regex SizeParameter();

    /// <summary>Returns at most <paramref name="chunk"/> bytes a read, as a pipe may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }
}
