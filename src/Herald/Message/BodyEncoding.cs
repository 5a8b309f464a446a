namespace Herald.Message;

/// <summary>How the message body will be sent, which decides the MIME headers <see cref="HeaderBlock"/> adds.</summary>
internal enum BodyEncoding
{
    /// <summary>The body goes out as given; no MIME headers are added.</summary>
    None = 0,

    /// <summary>The body is text in the header charset sent as 8-bit data (<c>Content-Transfer-Encoding: 8bit</c>).</summary>
    EightBit = 1,

    /// <summary>The body is text encoded with <see cref="QuotedPrintable"/>
    /// (<c>Content-Transfer-Encoding: quoted-printable</c>).</summary>
    QuotedPrintable = 2,
}
