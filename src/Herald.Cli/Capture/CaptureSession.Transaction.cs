using System.Globalization;

namespace Herald.Cli.Capture;

internal sealed partial class CaptureSession
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    private string? _reversePath;                 // MAIL FROM address; null when no transaction is open
    private readonly List<string> _recipients = []; // accepted RCPT TO addresses
    private bool _smtpUtf8;                       // MAIL carried SMTPUTF8 (RFC 6531 §3.4)

    private void ResetTransaction()
    {
        _reversePath = null;
        _recipients.Clear();
        _smtpUtf8 = false;
    }

    private bool Mail(string args)
    {
        if (_clientName is null)
        {
            return Error(503, "5.5.1 Say EHLO (or HELO) first");
        }
        if (_reversePath is not null)
        {
            return Error(503, "5.5.1 A transaction is already open: send RSET to start over");
        }
        if (!EnvelopeArgument.TryParse(args, "FROM:", out var mail, out string syntax))
        {
            return Error(501, $"5.5.4 Syntax: MAIL FROM:<address> [parameters] ({syntax})");
        }
        bool smtpUtf8 = false;
        foreach (var (keyword, value) in mail!.Parameters)
        {
            if (!_extended)
            {
                return Error(555, "5.5.4 MAIL parameters need EHLO, not HELO");
            }
            switch (keyword)
            {
                case "SIZE":
                    // RFC 1870 §6: refuse at once a message declared bigger than the limit.
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                    {
                        return Error(501, "5.5.4 SIZE takes the message size in bytes");
                    }
                    if (size > _options.MaxMessageSize)
                    {
                        Reply(552, $"5.3.4 Message size exceeds the limit of {_options.MaxMessageSize} bytes");
                        return true;
                    }
                    break;
                case "BODY":
                    if (value is null || !(value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) ||
                                           value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase)))
                    {
                        return Error(501, "5.5.4 BODY is 7BIT or 8BITMIME");
                    }
                    break;
                case "SMTPUTF8":
                    if (value is not null)
                    {
                        return Error(501, "5.5.4 SMTPUTF8 takes no value");
                    }
                    smtpUtf8 = true;
                    break;
                case "RET":
                    // RFC 3461 §4.3.
                    if (value is null || !(value.Equals("FULL", StringComparison.OrdinalIgnoreCase) ||
                                           value.Equals("HDRS", StringComparison.OrdinalIgnoreCase)))
                    {
                        return Error(501, "5.5.4 RET is FULL or HDRS");
                    }
                    break;
                case "ENVID":
                    // RFC 3461 §4.4: xtext, at most 100 characters.
                    if (value is null || value.Length > 100 || !IsXtext(value))
                    {
                        return Error(501, "5.5.4 ENVID must be xtext of at most 100 characters");
                    }
                    break;
                case "AUTH":
                    // RFC 4954 §5: the authenticated identity of the original submitter, xtext or "<>". Offered
                    // with AUTH, so accepted; the server records the user it authenticated itself.
                    if (value is null || (value != "<>" && !IsXtext(value)))
                    {
                        return Error(501, "5.5.4 AUTH= takes xtext or <>");
                    }
                    break;
                default:
                    return Error(555, $"5.5.4 MAIL parameter {keyword} is not supported");
            }
        }
        if (mail.Address.Length > 0 && CheckAddress(mail.Address, smtpUtf8, "5.1.7") is { } refusal)
        {
            return Error(refusal.Code, refusal.Text);
        }
        _reversePath = mail.Address;
        _smtpUtf8 = smtpUtf8;
        Reply(250, "2.1.0 Sender OK");
        return true;
    }

    private bool Rcpt(string args)
    {
        if (_reversePath is null)
        {
            return Error(503, "5.5.1 Need MAIL before RCPT");
        }
        if (!EnvelopeArgument.TryParse(args, "TO:", out var rcpt, out string syntax))
        {
            return Error(501, $"5.5.4 Syntax: RCPT TO:<address> [parameters] ({syntax})");
        }
        foreach (var (keyword, value) in rcpt!.Parameters)
        {
            if (!_extended)
            {
                return Error(555, "5.5.4 RCPT parameters need EHLO, not HELO");
            }
            switch (keyword)
            {
                case "NOTIFY":
                    if (!IsNotifyValue(value))
                    {
                        return Error(501, "5.5.4 NOTIFY is NEVER, or a comma list of SUCCESS, FAILURE and DELAY");
                    }
                    break;
                case "ORCPT":
                    // RFC 3461 §4.2: addr-type ";" xtext.
                    int semi = value?.IndexOf(';', StringComparison.Ordinal) ?? -1;
                    if (semi <= 0 || !IsXtext(value![(semi + 1)..]))
                    {
                        return Error(501, "5.5.4 ORCPT is addr-type;xtext, as in rfc822;user@example.com");
                    }
                    break;
                default:
                    return Error(555, $"5.5.4 RCPT parameter {keyword} is not supported");
            }
        }
        // RFC 5321 §4.5.1: "Postmaster" without a domain must be accepted.
        bool postmaster = rcpt.Address.Equals("postmaster", StringComparison.OrdinalIgnoreCase);
        if (!postmaster && CheckAddress(rcpt.Address, _smtpUtf8, "5.1.3") is { } refusal)
        {
            return Error(refusal.Code, refusal.Text);
        }
        if (_recipients.Count >= _options.MaxRecipients)
        {
            // RFC 5321 §4.5.3.1.10: 452 tells the client to send the rest in another transaction.
            Reply(452, $"4.5.3 Too many recipients: at most {_options.MaxRecipients} per message");
            return true;
        }
        _recipients.Add(rcpt.Address);
        Reply(250, "2.1.5 Recipient OK");
        return true;
    }

    private async ValueTask<bool> DataAsync(string args, CancellationToken cancellationToken)
    {
        if (args.Length > 0)
        {
            return Error(501, "5.5.4 DATA takes no argument");
        }
        if (_reversePath is null)
        {
            return Error(503, "5.5.1 Need MAIL before DATA");
        }
        if (_recipients.Count == 0)
        {
            // RFC 5321 §3.3: DATA with no accepted recipient gets 503 or 554.
            return Error(554, "5.5.1 No valid recipients");
        }
        Reply(354, "End data with <CR><LF>.<CR><LF>");

        string reversePath = _reversePath;
        var recipients = _recipients.ToArray();
        ResetTransaction();
        PendingMessage? pending = null;
        string? problem = null; // set once the message cannot be kept; the data is still read to its end
        int problemCode = 0;
        long size = 0;
        try
        {
            try
            {
                pending = _store.Begin(reversePath, recipients, _user, _tlsDescription);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                (problemCode, problem) = (451, "4.3.0 The capture server could not create the message file");
            }
            while (true)
            {
                var line = await ReadLineAsync(_options.MaxDataLineLength, crlfOnly: true).ConfigureAwait(false);
                if (line.Status == LineStatus.EndOfStream)
                {
                    return false; // the client left mid-message; nothing is saved
                }
                if (line.Status == LineStatus.TooLong)
                {
                    problemCode = problemCode == 0 ? 500 : problemCode;
                    problem ??= $"5.5.2 Line too long: RFC 5321 §4.5.3.1.6 limits lines to {_options.MaxDataLineLength + 2} " +
                                "octets including CRLF; the message was not saved";
                    continue;
                }
                if (Unstuff(line.Bytes.Span, out var content))
                {
                    break;
                }
                size += content.Length + 2;
                if (size > _options.MaxMessageSize && problem is null)
                {
                    (problemCode, problem) = (552, $"5.3.4 Message size exceeds the limit of {_options.MaxMessageSize} bytes");
                }
                if (problem is null && pending is not null)
                {
                    try
                    {
                        await pending.Stream.WriteAsync(line.Bytes[(line.Bytes.Length - content.Length)..], cancellationToken)
                            .ConfigureAwait(false);
                        await pending.Stream.WriteAsync(Crlf, cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException)
                    {
                        (problemCode, problem) = (452, "4.3.1 The capture server could not write the message (is the disk full?)");
                    }
                }
            }
            if (problem is not null || pending is null)
            {
                Reply(problemCode, problem!);
                return true;
            }
            string path;
            try
            {
                path = await pending.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                Reply(452, "4.3.1 The capture server could not save the message (is the disk full?)");
                return true;
            }
            // Tell the owner before the client: once the client has its 250, the file is known to be there.
            _saved(new CapturedMessage(path, reversePath, recipients, size, _user));
            Reply(250, $"2.0.0 Saved as {Path.GetFileName(path)}");
            return true;
        }
        finally
        {
            if (pending is not null)
            {
                await pending.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Null when the envelope address may be used; otherwise the refusal.</summary>
    /// <summary>
    /// One DATA line (without its CRLF) as the client meant it: the lone "." ends the data, and a leading "." that the
    /// client doubled is removed (RFC 5321 §4.5.2).
    /// </summary>
    /// <returns>True for the end-of-data line.</returns>
    private static bool Unstuff(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> content)
    {
        if (line is [(byte)'.'])
        {
            content = default;
            return true;
        }
        content = line is [(byte)'.', ..] ? line[1..] : line;
        return false;
    }

    private static (int Code, string Text)? CheckAddress(string address, bool smtpUtf8, string badSyntaxStatus)
    {
        if (MailboxSyntax.Check(address) is { } why)
        {
            return (501, $"{badSyntaxStatus} Bad address syntax: {why}");
        }
        if (!smtpUtf8 && MailboxSyntax.HasNonAscii(address))
        {
            // RFC 6531 §3.2: non-ASCII addresses only in a transaction that announced SMTPUTF8.
            return (553, "5.6.7 Non-ASCII address without the SMTPUTF8 parameter on MAIL FROM");
        }
        return null;
    }

    /// <summary>RFC 3461 §4: xtext is printable ASCII except '+' and '=', with "+HH" for anything else.</summary>
    private static bool IsXtext(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '+')
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigitUpper(text[i + 1]) || !char.IsAsciiHexDigitUpper(text[i + 2]))
                {
                    return false;
                }
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>RFC 3461 §4.1: "NEVER" alone, or any of SUCCESS, FAILURE, DELAY separated by commas.</summary>
    private static bool IsNotifyValue(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }
        var items = value.Split(',');
        if (items.Length == 1 && items[0].Equals("NEVER", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in items)
        {
            bool known = item.Equals("SUCCESS", StringComparison.OrdinalIgnoreCase)
                         || item.Equals("FAILURE", StringComparison.OrdinalIgnoreCase)
                         || item.Equals("DELAY", StringComparison.OrdinalIgnoreCase);
            if (!known || !seen.Add(item))
            {
                return false;
            }
        }
        return true;
    }
}
