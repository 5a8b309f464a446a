using System.Globalization;
using System.Text;

namespace Herald.Cli.Capture;

/// <summary>A message in the capture folder, as <c>herald capture list</c> shows it.</summary>
/// <param name="Number">Its place in the folder, oldest first, from 1.</param>
/// <param name="Path">The full path of the <c>.eml</c> file.</param>
/// <param name="ReceivedUtc">When it was saved (from the file name, else the file's time).</param>
/// <param name="ReversePath">The envelope sender, empty for the null reverse-path.</param>
/// <param name="Recipients">The envelope recipients.</param>
/// <param name="Subject">The Subject header, decoded (RFC 2047) and unfolded; empty when there is none.</param>
/// <param name="Size">The size of the message as received, without the lines the capture server put in front.</param>
/// <param name="User">The user name the client authenticated as, or null.</param>
/// <param name="Tls">The session's TLS version and cipher suite, or null when it had no TLS.</param>
internal sealed record SavedMessage(int Number, string Path, DateTime ReceivedUtc, string ReversePath,
    IReadOnlyList<string> Recipients, string Subject, long Size, string? User, string? Tls);

/// <summary>
/// Reads the capture folder: the saved messages in the order they arrived and what the capture server recorded about
/// each in the lines it puts in front of the message (envelope, user name, TLS).
/// </summary>
internal static class CaptureFolder
{
    /// <summary>The envelope sender, as <c>&lt;address&gt;</c>.</summary>
    public const string EnvelopeFromHeader = "X-Herald-Envelope-From";

    /// <summary>One envelope recipient, as <c>&lt;address&gt;</c>; one line each.</summary>
    public const string EnvelopeToHeader = "X-Herald-Envelope-To";

    /// <summary>The user name the client authenticated as.</summary>
    public const string UserHeader = "X-Herald-Auth-User";

    /// <summary>The session's TLS version and cipher suite.</summary>
    public const string TlsHeader = "X-Herald-Tls";

    /// <summary>How much of a file is read to find its Subject: headers past this are not looked at.</summary>
    private const int MaxHeaderBytes = 256 * 1024;

    /// <summary>The saved messages, oldest first, numbered from 1.</summary>
    /// <param name="directory">The capture folder.</param>
    /// <returns>Nothing when the folder does not exist.</returns>
    /// <exception cref="IOException">The folder or a file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or a file cannot be read.</exception>
    public static IReadOnlyList<SavedMessage> List(string directory)
    {
        var files = Files(directory);
        var list = new List<SavedMessage>(files.Length);
        for (int i = 0; i < files.Length; i++)
        {
            list.Add(Read(i + 1, files[i]));
        }
        return list;
    }

    /// <summary>The path of message <paramref name="number"/> (as <see cref="List"/> numbers them), or null.</summary>
    /// <param name="directory">The capture folder.</param>
    /// <param name="number">The message number, from 1.</param>
    /// <param name="count">How many messages the folder holds.</param>
    /// <exception cref="IOException">The folder cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be read.</exception>
    public static string? PathOf(string directory, int number, out int count)
    {
        var files = Files(directory);
        count = files.Length;
        return number >= 1 && number <= files.Length ? files[number - 1] : null;
    }

    /// <summary>The finished messages (temporary <c>.part</c> files are hidden and end differently), sorted by name:
    /// the names start with the UTC time they were saved, so that is arrival order.</summary>
    private static string[] Files(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }
        var files = Directory.GetFiles(directory, "*.eml", SearchOption.TopDirectoryOnly)
            .Where(f => !System.IO.Path.GetFileName(f).StartsWith('.'))
            .ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static SavedMessage Read(int number, string path)
    {
        string from = "";
        var recipients = new List<string>();
        string? user = null;
        string? tls = null;
        string? subject = null;
        long prefix = 0;       // bytes of the capture server's own lines at the top
        bool inPrefix = true;
        long length;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            length = stream.Length;
            var head = new byte[(int)Math.Min(length, MaxHeaderBytes)];
            stream.ReadExactly(head);
            int pos = 0;
            while (pos < head.Length)
            {
                int lf = Array.IndexOf(head, (byte)'\n', pos);
                int next = lf < 0 ? head.Length : lf + 1;
                string line = Encoding.UTF8.GetString(head, pos, next - pos).TrimEnd('\r', '\n');
                if (line.Length == 0)
                {
                    break; // end of the header section
                }
                if (inPrefix && Field(line, out string name, out string value) && name.StartsWith("X-Herald-", StringComparison.OrdinalIgnoreCase))
                {
                    switch (name.ToUpperInvariant())
                    {
                        case "X-HERALD-ENVELOPE-FROM":
                            from = Unbracket(value);
                            break;
                        case "X-HERALD-ENVELOPE-TO":
                            recipients.Add(Unbracket(value));
                            break;
                        case "X-HERALD-AUTH-USER":
                            user = value;
                            break;
                        case "X-HERALD-TLS":
                            tls = value;
                            break;
                    }
                    prefix = next;
                }
                else
                {
                    inPrefix = false;
                    if (subject is not null && line[0] is ' ' or '\t')
                    {
                        subject += line; // a folded continuation line (RFC 5322 §2.2.3)
                    }
                    else if (subject is null && Field(line, out string name2, out string value2)
                             && name2.Equals("Subject", StringComparison.OrdinalIgnoreCase))
                    {
                        subject = value2;
                    }
                    else if (subject is not null)
                    {
                        break; // the Subject is complete; the rest of the headers are not needed
                    }
                }
                pos = next;
            }
        }
        return new SavedMessage(number, path, Received(path), from, recipients,
            subject is null ? "" : Printable(ReadyMessageHeaders.DecodeText(subject.Trim())), length - prefix, user, tls);
    }

    private static bool Field(string line, out string name, out string value)
    {
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || line[0] is ' ' or '\t')
        {
            (name, value) = ("", "");
            return false;
        }
        name = line[..colon].TrimEnd();
        value = line[(colon + 1)..].Trim();
        return true;
    }

    private static string Unbracket(string value) =>
        value.Length >= 2 && value[0] == '<' && value[^1] == '>' ? value[1..^1] : value;

    private static DateTime Received(string path)
    {
        string name = System.IO.Path.GetFileName(path);
        int dash = name.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && DateTime.TryParseExact(name[..dash], "yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var stamp))
        {
            return stamp;
        }
        return File.GetLastWriteTimeUtc(path);
    }

    /// <summary>The text with control characters (a decoded header can hold any) shown as spaces.</summary>
    private static string Printable(string text) =>
        string.Create(text.Length, text, (span, s) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? ' ' : s[i];
            }
        });
}
