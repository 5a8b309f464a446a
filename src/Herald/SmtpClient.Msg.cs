using Herald.Engine;
using Herald.Message;
using Herald.Message.Mime;
using Herald.Protocol;

namespace Herald;

public partial class SmtpClient
{
    // RFC 3461 §4.1: a delivery receipt asks for success reports (and keeps failure reports, which are the default).
    private const string DeliveryReceiptNotify = "NOTIFY=SUCCESS,FAILURE";

    /// <summary>The envelope of <see cref="SendMessage"/>: <see cref="Msg"/>'s reverse path and its To, Cc and Bcc
    /// recipients; a delivery receipt asks each recipient's server for a DSN.</summary>
    /// <exception cref="SmtpException">164 no From; 165 no recipient; 10022 an address that cannot be read.</exception>
    private Envelope MessageEnvelope()
    {
        var m = _msg.GetEnvelope();
        string options = _msg.DeliveryReceipt ? DeliveryReceiptNotify : "";
        var recipients = new List<EnvelopeRecipient>();
        recipients.AddRange(m.To.Select(a => new EnvelopeRecipient(a, RecipientKind.To, options)));
        recipients.AddRange(m.Cc.Select(a => new EnvelopeRecipient(a, RecipientKind.Cc, options)));
        recipients.AddRange(m.Bcc.Select(a => new EnvelopeRecipient(a, RecipientKind.Bcc, options)));
        if (recipients.Count == 0)
        {
            throw new SmtpException(SmtpErrorCodes.NoRecipient, "No recipient specified: set Msg.SendTo, Msg.Cc or Msg.Bcc.");
        }
        return new Envelope(m.ReversePath, recipients);
    }

    /// <summary>
    /// How a ready-made message gets its envelope: the reverse path from Msg.ReturnPath, Msg.Sender or Msg.From when one
    /// is set, and the recipients from Msg.SendTo, Cc and Bcc when any is set; whatever Msg leaves open comes from the
    /// message's own header fields (<see cref="MessageHeaders.ToEnvelope"/>).
    /// </summary>
    /// <exception cref="SmtpException">10022 when a Msg address cannot be read.</exception>
    private ReadyMessageOptions RawOptions(SmtpClientConfig config)
    {
        string? reversePath = null;
        if (_msg.ReturnPath == "<>")
        {
            reversePath = "";
        }
        else if (_msg.ReturnPath.Length > 0)
        {
            reversePath = AddressParser.ParseOne(_msg.ReturnPath, "Msg.ReturnPath").Address;
        }
        else if (_msg.Sender.Length > 0)
        {
            reversePath = AddressParser.ParseOne(_msg.Sender, "Msg.Sender").Address;
        }
        else if (AddressParser.ParseList(_msg.From, "Msg.From") is { Count: > 0 } from)
        {
            reversePath = from[0].Address;
        }
        var recipients = new List<EnvelopeRecipient>();
        foreach (var (list, kind, what) in new[]
        {
            (_msg.SendTo, RecipientKind.To, "Msg.SendTo"), (_msg.Cc, RecipientKind.Cc, "Msg.Cc"), (_msg.Bcc, RecipientKind.Bcc, "Msg.Bcc"),
        })
        {
            recipients.AddRange(AddressParser.ParseList(list, what).Select(a => new EnvelopeRecipient(a.Address, kind, "")));
        }
        return new ReadyMessageOptions
        {
            ReversePath = reversePath,
            Recipients = recipients,
            RemoveBcc = config.RemoveBcc,
            SpoolDirectory = config.TempPath,
        };
    }

    /// <summary>Composes <see cref="Msg"/> as MIME for the server at hand (8bit bodies when it offers 8BITMIME).</summary>
    private MessageSource ComposeMessage(Capabilities caps, SmtpClientConfig config) =>
        MimeMessageSource.Create(_msg, new MimeWriterOptions
        {
            EightBitMime = caps.EightBitMime,
            IncludeBcc = !config.RemoveBcc,
        });
}
