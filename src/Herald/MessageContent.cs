namespace Herald;

/// <summary>
/// A complete message (headers and body, RFC 5322) that writes itself: Herald hands it a write-only stream that
/// leads straight onto the connection (dot-stuffed for DATA, cut into chunks for BDAT), so a message produced by
/// other code (a MIME library's writer, a template engine) goes out without being buffered or copied first.
/// </summary>
/// <remarks>
/// Line ends should be CRLF; a bare CR or LF is sent as CRLF. The stream is valid only during the call to
/// <see cref="WriteTo"/> or <see cref="WriteToAsync"/>, and must not be disposed. A content may be written more than
/// once (a retry, or measuring), so it should write the same bytes each time.
/// </remarks>
public abstract class MessageContent
{
    /// <summary>
    /// The number of octets the content writes, with line ends counted as CRLF, or -1 when it is not known in advance.
    /// A known length is declared with <c>SIZE=</c> (RFC 1870) and drives the transfer percentage.
    /// </summary>
    public virtual long Length => -1;

    /// <summary>True when the content holds bytes above 127 (it is then declared <c>BODY=8BITMIME</c>).</summary>
    public virtual bool Is8Bit => false;

    /// <summary>
    /// Works out the length when <see cref="Length"/> is -1 and the server wants it (it offers SIZE): for example by
    /// writing the content to a stream that only counts. Returns -1 (the default) to send without <c>SIZE=</c>.
    /// </summary>
    /// <param name="cancellationToken">Stops the measuring.</param>
    /// <returns>The length, or -1.</returns>
    public virtual long Measure(CancellationToken cancellationToken) => Length;

    /// <summary>Writes the message to <paramref name="destination"/> (the synchronous methods of Herald call this).</summary>
    /// <param name="destination">Where the message goes.</param>
    /// <param name="cancellationToken">Set when the send is interrupted or times out.</param>
    public abstract void WriteTo(Stream destination, CancellationToken cancellationToken);

    /// <summary>Writes the message to <paramref name="destination"/> (the asynchronous methods of Herald call this).</summary>
    /// <param name="destination">Where the message goes.</param>
    /// <param name="cancellationToken">Set when the send is interrupted, times out or is cancelled.</param>
    /// <returns>The write.</returns>
    public abstract Task WriteToAsync(Stream destination, CancellationToken cancellationToken);
}
