namespace Herald.Message;

/// <summary>The result of <see cref="HeaderBlock.Build"/>.</summary>
/// <param name="Fields">Each header field in order as (name, value); values are unfolded but otherwise exactly as
/// sent (encoded words stay encoded). These back the MessageHeaders collection.</param>
/// <param name="Text">The header block as it goes on the wire: every field folded and ending in CRLF, without the
/// empty line that separates the headers from the body. This is MessageHeadersString.</param>
internal sealed record BuiltHeaders(IReadOnlyList<KeyValuePair<string, string>> Fields, string Text);
