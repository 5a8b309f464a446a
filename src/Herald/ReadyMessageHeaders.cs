using Herald.Message;

namespace Herald;

/// <summary>
/// The header fields of a message that was written elsewhere, as <see cref="ReadyMessageStream.ReadHeaders"/> found
/// them. Values are read as UTF-8 (RFC 6532; a field that is not UTF-8 is read as Latin-1), unfolded, and trimmed of the
/// white space around them; encoded words (RFC 2047) are left as they are.
/// </summary>
public sealed class ReadyMessageHeaders
{
    private readonly MessageHeaders _headers;

    internal ReadyMessageHeaders(MessageHeaders headers)
    {
        _headers = headers;
    }

    /// <summary>Whether the header block has a field of this name.</summary>
    /// <param name="name">A field name, compared without regard to case.</param>
    /// <returns>True when such a field is present.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _headers.Contains(name);
    }

    /// <summary>The value of the first field of this name.</summary>
    /// <param name="name">A field name, compared without regard to case.</param>
    /// <returns>The value, or null when there is no such field.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public string? Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _headers.Get(name);
    }

    /// <summary>The values of every field of this name.</summary>
    /// <param name="name">A field name, compared without regard to case.</param>
    /// <returns>The values in the order of the header block; empty when there is no such field.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public IReadOnlyList<string> GetAll(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _headers.GetAll(name).ToList();
    }

    /// <summary>
    /// The envelope the fields imply, as <c>sendmail -t</c> reads it. When the message carries Resent-* address fields,
    /// the newest block of them (the one nearest the top) decides (RFC 5322 §3.6.6); otherwise Sender or From, and To,
    /// Cc and Bcc do.
    /// </summary>
    /// <returns>The sender and recipients; either may be missing (null sender, no recipient).</returns>
    /// <exception cref="SmtpException">10022 when an address field that is read cannot be parsed (the message names the
    /// field).</exception>
    public ReadyMessageEnvelope GetEnvelope()
    {
        var envelope = _headers.GetEnvelope();
        return new ReadyMessageEnvelope(envelope.Sender, envelope.Addresses, envelope.Resent);
    }

    /// <summary>
    /// Decodes the encoded words (RFC 2047) in an unstructured field value such as a Subject, as <see cref="Get"/> returns
    /// it: white space between two adjacent encoded words is dropped (RFC 2047 §6.2), and a word in an unknown charset or
    /// with a broken encoding is left as it is.
    /// </summary>
    /// <param name="value">The field value.</param>
    /// <returns>The text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    public static string DecodeText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return EncodedWords.Decode(value);
    }

    /// <summary>
    /// Whether <paramref name="start"/>, the first bytes of a text that may be a plain body or a whole message, looks like
    /// a whole message: it starts with header fields, at least one of them a field messages carry (From, Subject, Date,
    /// Received, MIME-Version and the like), and the header block ends (an empty line, or the end of the text) within it.
    /// A body that merely starts with "Note: ..." does not. Useful to refuse sending a whole message as the text of a
    /// new one.
    /// </summary>
    /// <param name="start">The first bytes of the text (64 KiB is plenty).</param>
    /// <param name="isWhole">True when <paramref name="start"/> is the whole text.</param>
    /// <returns>True when the text starts like a message.</returns>
    public static bool LooksLikeMessage(ReadOnlySpan<byte> start, bool isWhole) => MessageHeaders.LooksLikeMessage(start, isWhole);
}

/// <summary>The envelope a ready message's header fields imply (<see cref="ReadyMessageHeaders.GetEnvelope"/>).</summary>
public sealed class ReadyMessageEnvelope
{
    internal ReadyMessageEnvelope(string? sender, IReadOnlyList<string> recipients, bool resent)
    {
        Sender = sender;
        Recipients = recipients;
        Resent = resent;
    }

    /// <summary>
    /// The sender's address (addr-spec): Resent-Sender, else the first Resent-From, for a resent message; else Sender,
    /// else the first From. Null when the header names none.
    /// </summary>
    public string? Sender { get; }

    /// <summary>
    /// The recipients' addresses (addr-specs) from To, Cc and Bcc (or Resent-To, Resent-Cc and Resent-Bcc), in that order,
    /// each once (compared without regard to case). Empty when the header names none.
    /// </summary>
    public IReadOnlyList<string> Recipients { get; }

    /// <summary>True when the Resent-* fields decided (RFC 5322 §3.6.6).</summary>
    public bool Resent { get; }
}
