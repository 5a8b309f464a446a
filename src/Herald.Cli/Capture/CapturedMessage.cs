namespace Herald.Cli.Capture;

/// <summary>A message the capture server has saved.</summary>
/// <param name="Path">The full path of the <c>.eml</c> file.</param>
/// <param name="ReversePath">The envelope sender (<c>MAIL FROM</c>), empty for the null reverse-path.</param>
/// <param name="Recipients">The envelope recipients (<c>RCPT TO</c>) in the order given.</param>
/// <param name="Size">The size of the message as received, without the envelope headers the server adds.</param>
/// <param name="User">The user name the client authenticated as (AUTH), or null when it did not.</param>
internal sealed record CapturedMessage(string Path, string ReversePath, IReadOnlyList<string> Recipients, long Size,
    string? User = null);
