namespace Herald.Cli.Options;

/// <summary>
/// One <c>--attach</c> or <c>--inline</c> value: <c>FILE</c>, optionally followed by <c>;type=MEDIA-TYPE</c> and
/// <c>;name=FILE-NAME</c> in either order, as curl's <c>-F</c> writes them. A type may carry parameters
/// (<c>;type=text/plain; charset=iso-8859-1</c>): it runs to the next <c>;name=</c> or the end. A path that exists as
/// written is taken whole, so a file whose name holds <c>;type=</c> can still be attached.
/// </summary>
/// <param name="Path">The file to read.</param>
/// <param name="ContentType">The media type, or null to choose it from the name's extension.</param>
/// <param name="Name">The file name the recipient sees, or null for the file's own name.</param>
internal sealed record AttachmentSpec(string Path, string? ContentType, string? Name)
{
    /// <summary>Parses one value.</summary>
    /// <param name="value">The option's value as given.</param>
    /// <param name="option">"--attach" or "--inline", for messages.</param>
    /// <exception cref="CliException">64 for an empty path, type or name, or a line break; 66 when the file does not
    /// exist.</exception>
    public static AttachmentSpec Parse(string value, string option)
    {
        if (value.AsSpan().ContainsAny('\r', '\n', '\0'))
        {
            throw CliException.Usage($"{option}: the value cannot contain a line break or NUL character.");
        }
        if (File.Exists(value))
        {
            return new AttachmentSpec(value, null, null);
        }
        int first = Next(value, 0);
        string path = first < 0 ? value : value[..first];
        string? type = null;
        string? name = null;
        for (int at = first; at >= 0;)
        {
            int next = Next(value, at + 1);
            string part = value[(at + 1)..(next < 0 ? value.Length : next)];
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            string key = part[..equals].ToLowerInvariant();
            string text = part[(equals + 1)..].Trim();
            if (text.Length == 0)
            {
                throw CliException.Usage($"{option} \"{value}\": {key}= needs a value.");
            }
            if ((key == "type" ? type : name) is not null)
            {
                throw CliException.Usage($"{option} \"{value}\": {key}= is given twice.");
            }
            if (key == "type")
            {
                type = text;
            }
            else
            {
                name = text;
            }
            at = next;
        }
        if (path.Length == 0)
        {
            throw CliException.Usage($"{option} \"{value}\": give the file first, e.g. {option} \"report.pdf;type=application/pdf\".");
        }
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.NoInput, Directory.Exists(path)
                ? $"{option} {path}: is a folder; attach the files in it one by one."
                : $"{option} {path}: no such file.");
        }
        return new AttachmentSpec(path, type, name);
    }

    // The index of the next ";type=" or ";name=" at or after start, or -1.
    private static int Next(string value, int start)
    {
        int type = value.IndexOf(";type=", start, StringComparison.OrdinalIgnoreCase);
        int name = value.IndexOf(";name=", start, StringComparison.OrdinalIgnoreCase);
        return type < 0 ? name : name < 0 ? type : Math.Min(type, name);
    }
}
