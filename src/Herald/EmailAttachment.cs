using System.Collections.ObjectModel;
using Herald.Message.Mime;
using Herald.Protocol;

namespace Herald;

/// <summary>
/// One attachment of an <see cref="EmailMessage"/>: where its bytes come from (a file, a stream or memory), its file
/// name, content type and, for an inline attachment, the Content-ID by which the HTML body refers to it. Attachments
/// are sent base64-encoded, so every byte arrives as it was (a text file with LF line ends included), and the encoded
/// size follows from the source size.
/// </summary>
public sealed class EmailAttachment
{
    private readonly string? _path;             // a file, opened when the attachment is sent
    private readonly Stream? _stream;           // a caller's stream ...
    private readonly long _streamOrigin;        // ... read from this position (seekable streams)
    private readonly bool _leaveOpen;           // ... which the message does not own
    private readonly ReadOnlyMemory<byte> _data;
    private string _fileName = "";
    private string _contentType = "";
    private string _contentId = "";
    private bool _streamRead;                   // a stream that cannot seek was read: it cannot be sent again

    private EmailAttachment(string? path, Stream? stream, bool leaveOpen, ReadOnlyMemory<byte> data)
    {
        _path = path;
        _stream = stream;
        _leaveOpen = leaveOpen;
        _data = data;
        if (stream is { CanSeek: true })
        {
            _streamOrigin = stream.Position;
        }
    }

    /// <summary>
    /// The file name the recipient sees (the <c>filename</c> of <c>Content-Disposition</c> and the <c>name</c> of
    /// <c>Content-Type</c>); "" for none. Non-ASCII names are sent in RFC 2231 form and, for older readers, as RFC 2047
    /// encoded words.
    /// </summary>
    /// <exception cref="SmtpException">10022 when the name holds CR, LF or NUL.</exception>
    public string FileName
    {
        get => _fileName;
        set
        {
            LineValidation.EnsureSingleLine(value, "The attachment file name");
            _fileName = value ?? "";
        }
    }

    /// <summary>
    /// The media type, such as <c>application/pdf</c> or <c>text/plain; charset=utf-8</c>. When none was given it is
    /// chosen from the file name's extension (<c>application/octet-stream</c> when the extension is not known). A
    /// <c>name</c> parameter is replaced by the one made from <see cref="FileName"/>.
    /// </summary>
    /// <exception cref="SmtpException">10022 when the value is not a media type, is a multipart or message type (which
    /// cannot be sent base64-encoded, RFC 2045 §6.4), or holds CR, LF or NUL.</exception>
    public string ContentType
    {
        get => _contentType.Length > 0 ? _contentType : MimeTypes.FromFileName(_fileName);
        set
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                ContentTypes.Parse(value, "The attachment content type");
            }
            _contentType = value?.Trim() ?? "";
        }
    }

    /// <summary>
    /// The Content-ID of an inline attachment, without angle brackets (the HTML body refers to it as
    /// <c>cid:</c>ID, RFC 2392); "" for a regular attachment. Setting it makes the attachment inline.
    /// </summary>
    /// <exception cref="SmtpException">10022 when the id is not printable ASCII without spaces and without any of
    /// <c>&lt;&gt;()[]\",;:</c>.</exception>
    public string ContentId
    {
        get => _contentId;
        set => _contentId = ContentTypes.NormalizeContentId(value, "The attachment Content-ID");
    }

    /// <summary>True when the attachment is inline (it has a <see cref="ContentId"/>).</summary>
    public bool IsInline => _contentId.Length > 0;

    /// <summary>The path of the file the attachment is read from, or null when it comes from a stream or memory.</summary>
    public string? FilePath => _path;

    /// <summary>
    /// The size of the attachment in bytes before encoding, when known: the file's current size, the rest of a seekable
    /// stream from the position it had when it was added, or the memory's length; -1 for a stream that cannot seek.
    /// </summary>
    /// <exception cref="SmtpException">303 when the file no longer exists or cannot be read, or the stream was
    /// closed.</exception>
    public long Length
    {
        get
        {
            if (_path is not null)
            {
                return FileLength(_path);
            }
            if (_stream is not null)
            {
                try
                {
                    return _stream.CanSeek ? Math.Max(0, _stream.Length - _streamOrigin) : -1;
                }
                catch (Exception e) when (e is ObjectDisposedException or NotSupportedException or IOException)
                {
                    throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                        $"The stream of attachment '{_fileName}' cannot be read: {e.Message}", e);
                }
            }
            return _data.Length;
        }
    }

    internal string? Path => _path;

    internal Stream? Stream => _stream;

    internal long StreamOrigin => _streamOrigin;

    internal ReadOnlyMemory<byte> Data => _data;

    /// <summary>Marks the start of reading a stream that cannot seek; throws when an earlier send already read it.</summary>
    /// <exception cref="SmtpException">303 when the stream was already read.</exception>
    internal void ClaimUnseekableStream()
    {
        if (_streamRead)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                $"The stream of attachment '{_fileName}' cannot seek and was already read by an earlier send; add the " +
                "attachment again with a new stream (or a seekable one) to send the message again.");
        }
        _streamRead = true;
    }

    internal void DisposeOwnedStream()
    {
        if (_stream is not null && !_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    internal static long FileLength(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile, $"The attachment file '{path}' cannot be read: {e.Message}", e);
        }
    }

    internal static EmailAttachment FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        LineValidation.EnsureSingleLine(path, "The attachment path");
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                $"The attachment file '{path}' does not exist (looked for '{full}'); check the path.");
        }
        return new EmailAttachment(full, null, false, default) { _fileName = System.IO.Path.GetFileName(full) };
    }

    internal static EmailAttachment FromStream(string? name, Stream stream, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new SmtpException(SmtpErrorCodes.CannotOpenFile,
                $"The stream of attachment '{name}' cannot be read (it is closed or write-only).");
        }
        return new EmailAttachment(null, stream, leaveOpen, default) { FileName = name ?? "" };
    }

    internal static EmailAttachment FromData(string? name, ReadOnlyMemory<byte> data) =>
        new(null, null, false, data) { FileName = name ?? "" };
}

/// <summary>The attachments of an <see cref="EmailMessage"/>, with methods that add one from a file, a stream or memory.</summary>
public sealed class EmailAttachmentList : Collection<EmailAttachment>
{
    /// <summary>Creates an empty list.</summary>
    public EmailAttachmentList()
    {
    }

    /// <summary>Adds a file as an attachment. The file is opened and read when the message is sent.</summary>
    /// <param name="path">The file; its name (without directories) becomes <see cref="EmailAttachment.FileName"/>.</param>
    /// <param name="contentType">The media type, or null to choose it from the file's extension.</param>
    /// <returns>The attachment, whose properties can still be changed.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="SmtpException">303 when the file does not exist; 10022 when the path holds CR, LF or NUL or the
    /// content type is invalid.</exception>
    public EmailAttachment Add(string path, string? contentType = null)
    {
        var attachment = EmailAttachment.FromFile(path);
        attachment.ContentType = contentType ?? "";
        Add(attachment);
        return attachment;
    }

    /// <summary>
    /// Adds a stream as an attachment. It is read when the message is sent, from its position now to its end. A stream
    /// that can seek is sent with its exact size known and can be sent again; one that cannot is read once, and the
    /// message's size is then unknown beforehand (no exact SMTP <c>SIZE=</c>).
    /// </summary>
    /// <param name="fileName">The file name the recipient sees, or "" for none.</param>
    /// <param name="content">The bytes of the attachment.</param>
    /// <param name="contentType">The media type, or null to choose it from the file name's extension.</param>
    /// <param name="leaveOpen">False (the default) to dispose the stream when the message is disposed; true to leave
    /// that to the caller.</param>
    /// <returns>The attachment.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    /// <exception cref="SmtpException">303 when the stream cannot be read; 10022 when the name holds CR, LF or NUL or
    /// the content type is invalid.</exception>
    public EmailAttachment Add(string fileName, Stream content, string? contentType = null, bool leaveOpen = false)
    {
        var attachment = EmailAttachment.FromStream(fileName, content, leaveOpen);
        attachment.ContentType = contentType ?? "";
        Add(attachment);
        return attachment;
    }

    /// <summary>
    /// Adds bytes held in memory as an attachment. They are not copied: changing them before the message is sent
    /// changes the attachment.
    /// </summary>
    /// <param name="fileName">The file name the recipient sees, or "" for none.</param>
    /// <param name="content">The bytes of the attachment.</param>
    /// <param name="contentType">The media type, or null to choose it from the file name's extension.</param>
    /// <returns>The attachment.</returns>
    /// <exception cref="SmtpException">10022 when the name holds CR, LF or NUL or the content type is invalid.</exception>
    public EmailAttachment Add(string fileName, ReadOnlyMemory<byte> content, string? contentType = null)
    {
        var attachment = EmailAttachment.FromData(fileName, content);
        attachment.ContentType = contentType ?? "";
        Add(attachment);
        return attachment;
    }

    /// <summary>Adds a file as an inline attachment that the HTML body shows, for example with
    /// <c>&lt;img src="cid:logo.png"&gt;</c>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="contentId">The Content-ID the HTML refers to, or null to use the file name.</param>
    /// <param name="contentType">The media type, or null to choose it from the file's extension.</param>
    /// <returns>The attachment.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="SmtpException">303 when the file does not exist; 10022 when the path holds CR, LF or NUL, the
    /// content type is invalid, or the Content-ID (the file name when none is given) is not a valid id.</exception>
    public EmailAttachment AddInline(string path, string? contentId = null, string? contentType = null)
    {
        var attachment = EmailAttachment.FromFile(path);
        attachment.ContentType = contentType ?? "";
        attachment.ContentId = contentId ?? attachment.FileName;
        Add(attachment);
        return attachment;
    }

    /// <summary>Adds a stream as an inline attachment (see <see cref="Add(string, Stream, string?, bool)"/> for how it
    /// is read).</summary>
    /// <param name="fileName">The file name, or "" for none.</param>
    /// <param name="content">The bytes.</param>
    /// <param name="contentId">The Content-ID the HTML refers to.</param>
    /// <param name="contentType">The media type, or null to choose it from the file name's extension.</param>
    /// <param name="leaveOpen">False to dispose the stream when the message is disposed.</param>
    /// <returns>The attachment.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    /// <exception cref="SmtpException">303 when the stream cannot be read; 10022 when the name, content type or
    /// Content-ID is invalid.</exception>
    public EmailAttachment AddInline(string fileName, Stream content, string contentId, string? contentType = null,
        bool leaveOpen = false)
    {
        var attachment = EmailAttachment.FromStream(fileName, content, leaveOpen);
        attachment.ContentType = contentType ?? "";
        attachment.ContentId = contentId;
        Add(attachment);
        return attachment;
    }

    /// <summary>Adds bytes held in memory as an inline attachment (they are not copied).</summary>
    /// <param name="fileName">The file name, or "" for none.</param>
    /// <param name="content">The bytes.</param>
    /// <param name="contentId">The Content-ID the HTML refers to.</param>
    /// <param name="contentType">The media type, or null to choose it from the file name's extension.</param>
    /// <returns>The attachment.</returns>
    /// <exception cref="SmtpException">10022 when the name, content type or Content-ID is invalid.</exception>
    public EmailAttachment AddInline(string fileName, ReadOnlyMemory<byte> content, string contentId, string? contentType = null)
    {
        var attachment = EmailAttachment.FromData(fileName, content);
        attachment.ContentType = contentType ?? "";
        attachment.ContentId = contentId;
        Add(attachment);
        return attachment;
    }

    /// <summary>Refuses null items.</summary>
    /// <param name="index">Where to insert.</param>
    /// <param name="item">The attachment.</param>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    protected override void InsertItem(int index, EmailAttachment item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.InsertItem(index, item);
    }

    /// <summary>Refuses null items.</summary>
    /// <param name="index">Where to put it.</param>
    /// <param name="item">The attachment.</param>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is null.</exception>
    protected override void SetItem(int index, EmailAttachment item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.SetItem(index, item);
    }
}
