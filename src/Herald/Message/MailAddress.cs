namespace Herald.Message;

/// <summary>One mailbox: an optional display name and the addr-spec (<c>local@domain</c>) that goes into the envelope.</summary>
/// <param name="DisplayName">The human-readable name, decoded (no quotes, no encoded words); "" when there is none.</param>
/// <param name="Address">The addr-spec without angle brackets, as it goes into <c>MAIL FROM</c>/<c>RCPT TO</c>.</param>
internal readonly record struct MailAddress(string DisplayName, string Address);
