namespace Herald.Message;

/// <summary>
/// The inputs of <see cref="HeaderBlock.Build"/>: the Smtp component's header properties and settings, with the same
/// defaults. Null strings are read as "".
/// </summary>
internal sealed class HeaderSpec
{
    /// <summary>The From property: the sender, one address or a list.</summary>
    public string From { get; set; } = "";

    /// <summary>The SendTo property: the To recipients.</summary>
    public string SendTo { get; set; } = "";

    /// <summary>The Cc property.</summary>
    public string Cc { get; set; } = "";

    /// <summary>The Subject property.</summary>
    public string Subject { get; set; } = "";

    /// <summary>The MessageDate property: "*" for now, "" for no Date header, anything else verbatim.</summary>
    public string MessageDate { get; set; } = "*";

    /// <summary>The MessageId property: "*" to generate one, "" for no Message-ID header, anything else verbatim.</summary>
    public string MessageId { get; set; } = "*";

    /// <summary>The ReplyTo property.</summary>
    public string ReplyTo { get; set; } = "";

    /// <summary>The DeliveryNotificationTo property: the Return-Receipt-To address.</summary>
    public string DeliveryNotificationTo { get; set; } = "";

    /// <summary>The ReadReceiptTo property: the Disposition-Notification-To address.</summary>
    public string ReadReceiptTo { get; set; } = "";

    /// <summary>The OtherHeaders property: extra header lines, or (when it starts with a line break) the whole block.</summary>
    public string OtherHeaders { get; set; } = "";

    /// <summary>The Charset setting: the charset of encoded words and of the body; "" means UTF-8 where needed.</summary>
    public string Charset { get; set; } = "";

    /// <summary>The MessageIdAlgorithm setting: MD5, SHA1 or SHA256.</summary>
    public string MessageIdAlgorithm { get; set; } = "SHA1";

    /// <summary>The Importance property.</summary>
    public SmtpImportances Importance { get; set; }

    /// <summary>The Priority property.</summary>
    public SmtpPriorities Priority { get; set; }

    /// <summary>The Sensitivity property.</summary>
    public SmtpSensitivities Sensitivity { get; set; }

    /// <summary>The MaxHeaderLength setting: the line length folding aims at.</summary>
    public int MaxHeaderLength { get; set; } = 80;

    /// <summary>The FoldHeaders setting: false keeps each field on one line unless it passes 998 characters.</summary>
    public bool FoldHeaders { get; set; } = true;

    /// <summary>The right-hand side of generated Message-IDs (normally the host name); "localhost" when unusable.</summary>
    public string IdDomain { get; set; } = "";

    /// <summary>How the body will be sent: decides the MIME-Version, Content-Type and Content-Transfer-Encoding
    /// headers.</summary>
    public BodyEncoding Body { get; set; }

    /// <summary>The clock read for <c>MessageDate = "*"</c> (and mixed into generated Message-IDs).</summary>
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.Now;
}
