namespace Herald;

/// <summary>One header field: an element of <see cref="Smtp.MessageHeaders"/> or of <see cref="EmailMessage.Headers"/>.</summary>
public class Header
{
    /// <summary>Creates an empty header.</summary>
    public Header()
    {
    }

    /// <summary>Creates a header with a name and value.</summary>
    /// <param name="field">The field name, e.g. <c>Subject</c>.</param>
    /// <param name="value">The field value.</param>
    public Header(string field, string value)
    {
        Field = field;
        Value = value;
    }

    /// <summary>The field name, with its case as produced.</summary>
    public string Field { get; set; } = "";

    /// <summary>The field value as sent (encoded words kept), without folding.</summary>
    public string Value { get; set; } = "";

    /// <summary>The header as <c>Field: Value</c>.</summary>
    public override string ToString() => $"{Field}: {Value}";
}

/// <summary>The collection type of <see cref="Smtp.MessageHeaders"/> and <see cref="EmailMessage.Headers"/>.</summary>
public class HeaderList : System.Collections.ObjectModel.Collection<Header>
{
    /// <summary>Creates an empty list.</summary>
    public HeaderList()
    {
    }

    /// <summary>Adds a header with a name and value.</summary>
    /// <param name="field">The field name, e.g. <c>X-Campaign</c>.</param>
    /// <param name="value">The field value.</param>
    /// <returns>The header added.</returns>
    public Header Add(string field, string value)
    {
        var header = new Header(field, value);
        Add(header);
        return header;
    }

    internal HeaderList(IEnumerable<KeyValuePair<string, string>> fields)
    {
        foreach (var (field, value) in fields)
        {
            Add(new Header(field, value));
        }
    }
}
