using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Herald.Tests.Infrastructure;

namespace Herald.Tests.Queue;

/// <summary>A temporary queue directory, messages to put in it, and components that process it against a fake server.</summary>
internal sealed partial class QueueFixture : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public string Dir { get; } = Directory.CreateTempSubdirectory("herald-queue-").FullName;

    /// <summary>The clock every component of the fixture reads.</summary>
    public ManualClock Clock { get; } = new(Start);

    /// <summary>The notes (PITrail lines with direction 2) of every processor the fixture made.</summary>
    public ConcurrentQueue<string> Notes { get; } = new();

    /// <summary>Every OnError of every processor the fixture made.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    /// <summary>Queues a message with a unique Message-ID and returns its path.</summary>
    public string Add(string subject = "Queued", string to = "bob@example.com", string? bcc = null, string? messageId = null)
    {
        using var smtp = new Smtp { QueueClock = Clock };
        smtp.From = "alice@example.org";
        smtp.SendTo = to;
        if (bcc is not null)
        {
            smtp.BCc = bcc;
        }
        smtp.Subject = subject;
        smtp.MessageId = messageId ?? $"<{Guid.NewGuid():N}@client.test>";
        smtp.MessageText = $"Body of {subject}.\r\n";
        return smtp.Queue(Dir);
    }

    /// <summary>
    /// Queues exactly <c>Subject: SUBJECT, empty line, BODY</c> from alice@example.org to <paramref name="to"/>, with no
    /// header added, so a transcript can show it; returns the message's id.
    /// </summary>
    public string AddRaw(string to, string subject, string body)
    {
        var store = new Herald.Queue.QueueStore(Dir);
        var envelope = new Herald.Engine.Envelope("alice@example.org", [new(to, Herald.Engine.RecipientKind.To, "")]);
        var source = new Herald.Engine.BytesMessageSource(System.Text.Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\n{body}\r\n"),
            hasBody: true);
        var task = store.AddAsync(new Herald.Transport.SyncIO(), envelope, source, Clock.GetUtcNow(), CancellationToken.None);
        return Path.GetFileNameWithoutExtension(task.GetAwaiter().GetResult());
    }

    /// <summary>A component that processes the queue against <paramref name="server"/>.</summary>
    public Smtp Processor(FakeSmtpServer server, params string[] config) =>
        Configure(new Smtp { MailServer = server.Host, MailPort = server.Port, QueueClock = Clock }, config);

    /// <summary>A component that processes the queue through <paramref name="factory"/> (a replayed server).</summary>
    public Smtp Processor(Herald.Transport.ITransportFactory factory, params string[] config)
    {
        var smtp = new Smtp { MailServer = "localhost", QueueClock = Clock };
        smtp.Settings.TransportFactory = factory;
        return Configure(smtp, config);
    }

    private Smtp Configure(Smtp smtp, string[] config)
    {
        smtp.Config("Hello=client.test");
        foreach (var setting in config)
        {
            smtp.Config(setting);
        }
        smtp.OnPITrail += (_, e) =>
        {
            if (e.Direction == 2)
            {
                Notes.Enqueue(e.Message);
            }
        };
        smtp.OnError += (_, e) => Errors.Enqueue(e.Description);
        return smtp;
    }

    /// <summary>The files in the directory, by extension ("x.queued" counts as ".queued").</summary>
    public string[] Extensions() => [.. Directory.GetFiles(Dir).Select(Path.GetExtension).Order()!];

    /// <summary>The Message-ID of a received message.</summary>
    public static string MessageIdOf(FakeMessage message) => MessageIdPattern().Match(message.Text).Groups[1].Value;

    /// <summary>
    /// How many times each Message-ID reached <paramref name="server"/> and was not refused: a message whose end of
    /// data the server received counts even when the server then dropped the connection instead of replying, as a
    /// real server that had already queued it would deliver it.
    /// </summary>
    public static Dictionary<string, int> Deliveries(FakeSmtpServer server) =>
        server.Sessions.SelectMany(s => s.Messages).Where(m => m.FinalReplyCode is null or (>= 200 and < 300))
            .GroupBy(MessageIdOf).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>The Message-ID in a queue file.</summary>
    public static string MessageIdOf(string path) => MessageIdPattern().Match(File.ReadAllText(path)).Groups[1].Value;

    [GeneratedRegex(@"Message-ID: (<[^>]+>)", RegexOptions.IgnoreCase)]
    private static partial Regex MessageIdPattern();
}
