using System.Globalization;

namespace Herald.Queue;

/// <summary>Where one recipient of a queued message stands.</summary>
internal enum RecipientState
{
    /// <summary>Not delivered yet: the next attempt sends to it.</summary>
    Pending,
    /// <summary>The server accepted the message for it.</summary>
    Delivered,
    /// <summary>The server refused it for good and the transaction went on without it.</summary>
    Rejected,
}

/// <summary>
/// What a queue file's journal adds up to: attempts, per-recipient progress, when the next attempt is due, whether
/// it failed, and whether an attempt was cut off (and if so, after the end of the data had gone out).
/// </summary>
internal sealed class QueueState
{
    private readonly RecipientState[] _recipients;
    private readonly string[] _replies;

    private QueueState(int recipients)
    {
        _recipients = new RecipientState[recipients];
        _replies = new string[recipients];
        Array.Fill(_replies, "");
    }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; private set; }

    /// <summary>The last attempt has no outcome recorded: its worker died (or is still at work).</summary>
    public bool AttemptOpen { get; private set; }

    /// <summary>
    /// The open attempt recorded the end of the data and no reply to it: the server may have accepted the message.
    /// </summary>
    public bool DataEnded { get; private set; }

    /// <summary>The message failed for good (FAILED, not undone by a RESET).</summary>
    public bool Failed { get; private set; }

    /// <summary>No attempt before this time; null when due now.</summary>
    public DateTimeOffset? NotBefore { get; private set; }

    /// <summary>The reason of the last failure or deferral, or "".</summary>
    public string LastError { get; private set; } = "";

    /// <summary>When the message's age starts: its creation, or the last RESET.</summary>
    public DateTimeOffset AgeBase { get; private set; }

    /// <summary>Each recipient's state, in header order.</summary>
    public IReadOnlyList<RecipientState> Recipients => _recipients;

    /// <summary>The last reply recorded for each recipient, or "".</summary>
    public IReadOnlyList<string> Replies => _replies;

    /// <summary>The recipients still to be delivered (0-based indexes).</summary>
    public IEnumerable<int> Pending => Enumerable.Range(0, _recipients.Length).Where(i => _recipients[i] == RecipientState.Pending);

    /// <summary>True when no recipient is pending: the message is finished.</summary>
    public bool Done => Array.IndexOf(_recipients, RecipientState.Pending) < 0;

    /// <summary>Folds the journal.</summary>
    /// <param name="header">The file's header.</param>
    /// <param name="records">Its journal.</param>
    /// <param name="created">When it was queued (the header's time, or the best guess for a version 1 file).</param>
    public static QueueState From(QueueHeader header, IReadOnlyList<QueueRecord> records, DateTimeOffset created)
    {
        var state = new QueueState(header.Envelope.Recipients.Count) { AgeBase = created };
        foreach (var r in records)
        {
            state.Apply(r);
        }
        return state;
    }

    private void Apply(QueueRecord record)
    {
        switch (record.Kind)
        {
            case QueueRecordKind.Attempt:
                Attempts++;
                AttemptOpen = true;
                DataEnded = false;
                NotBefore = null;
                break;
            case QueueRecordKind.DataEnd:
                DataEnded = AttemptOpen;
                break;
            case QueueRecordKind.Delivered:
            {
                SplitFirst(record.Text, out string list, out string reply);
                foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    Set(part, RecipientState.Delivered, reply);
                }
                DataEnded = false;
                break;
            }
            case QueueRecordKind.Deferred:
            case QueueRecordKind.Rejected:
            {
                SplitFirst(record.Text, out string index, out string reply);
                Set(index, record.Kind == QueueRecordKind.Rejected ? RecipientState.Rejected : RecipientState.Pending, reply);
                LastError = reply;
                break;
            }
            case QueueRecordKind.Retry:
            {
                SplitFirst(record.Text, out string time, out string reason);
                NotBefore = QueueFile.ParseTime(time);
                LastError = reason;
                AttemptOpen = DataEnded = false;
                break;
            }
            case QueueRecordKind.Failed:
                Failed = true;
                LastError = record.Text;
                AttemptOpen = DataEnded = false;
                NotBefore = null;
                break;
            case QueueRecordKind.InDoubt:
                DataEnded = false;
                break;
            case QueueRecordKind.Recovered:
                AttemptOpen = DataEnded = false;
                NotBefore = null;
                break;
            case QueueRecordKind.Reset:
                Failed = false;
                NotBefore = null;
                AgeBase = record.Time;
                for (int i = 0; i < _recipients.Length; i++)
                {
                    if (_recipients[i] == RecipientState.Rejected)
                    {
                        _recipients[i] = RecipientState.Pending;
                    }
                }
                break;
        }
    }

    private void Set(string number, RecipientState value, string reply)
    {
        if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && n <= _recipients.Length)
        {
            // A delivered recipient stays delivered whatever a later line says (a RESET only clears refusals).
            if (_recipients[n - 1] != RecipientState.Delivered)
            {
                _recipients[n - 1] = value;
            }
            _replies[n - 1] = reply;
        }
    }

    private static void SplitFirst(string text, out string first, out string rest)
    {
        int space = text.IndexOf(' ', StringComparison.Ordinal);
        first = space < 0 ? text : text[..space];
        rest = space < 0 ? "" : text[(space + 1)..];
    }
}
