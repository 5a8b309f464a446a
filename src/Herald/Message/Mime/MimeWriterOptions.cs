namespace Herald.Message.Mime;

/// <summary>What the MIME writer needs to know beyond the message itself.</summary>
internal sealed class MimeWriterOptions
{
    /// <summary>True when the server offers 8BITMIME (RFC 6152): non-ASCII text bodies go as 8bit instead of
    /// quoted-printable.</summary>
    public bool EightBitMime { get; init; }

    /// <summary>The right-hand side of a generated Message-ID; null to take the domain of the From address.</summary>
    public string? IdDomain { get; init; }

    /// <summary>
    /// True to write a <c>Bcc</c> field listing the blind-copy recipients (RFC 5322 §3.6.3 allows it), for a sender
    /// that is told not to remove it; false (the default) leaves them out of every header.
    /// </summary>
    public bool IncludeBcc { get; init; }

    /// <summary>The Message-ID to use where one would be generated (a retry keeps the first attempt's), or null.</summary>
    public string? GeneratedId { get; init; }

    /// <summary>The clock read for a generated Date (and mixed into a generated Message-ID).</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.Now;

    /// <summary>
    /// Multipart boundaries to use again, in the order an earlier layout of the same message drew them
    /// (<see cref="MimeMessageSource.Boundaries"/>), so that writing it again gives the same bytes; null to draw new
    /// ones. One that a text body now contains is drawn again.
    /// </summary>
    public IReadOnlyList<string>? Boundaries { get; init; }
}

/// <summary>The SMTP envelope an <see cref="EmailMessage"/> implies (RFC 5321 §2.3.1).</summary>
/// <param name="ReversePath">The MAIL FROM address; "" for the null reverse path.</param>
/// <param name="To">The addr-specs of the To recipients, in order.</param>
/// <param name="Cc">The addr-specs of the Cc recipients.</param>
/// <param name="Bcc">The addr-specs of the Bcc recipients.</param>
internal sealed record MessageEnvelope(string ReversePath, IReadOnlyList<string> To, IReadOnlyList<string> Cc, IReadOnlyList<string> Bcc)
{
    /// <summary>Every recipient, To then Cc then Bcc.</summary>
    public IEnumerable<string> Recipients => To.Concat(Cc).Concat(Bcc);
}
