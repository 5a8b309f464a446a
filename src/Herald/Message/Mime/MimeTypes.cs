namespace Herald.Message.Mime;

/// <summary>The media type of an attachment from its file name's extension: a small table of the common types.</summary>
internal static class MimeTypes
{
    /// <summary>The type of data with no better description (RFC 2046 §4.5.1).</summary>
    public const string OctetStream = "application/octet-stream";

    // Message and multipart types are left out on purpose: an attachment is sent base64-encoded, which RFC 2045 §6.4
    // does not allow for them, so a .eml file goes as application/octet-stream.
    private static readonly Dictionary<string, string> s_byExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        ["txt"] = "text/plain", ["text"] = "text/plain", ["log"] = "text/plain", ["md"] = "text/markdown",
        ["htm"] = "text/html", ["html"] = "text/html", ["css"] = "text/css", ["csv"] = "text/csv",
        ["tsv"] = "text/tab-separated-values", ["xml"] = "application/xml", ["json"] = "application/json",
        ["js"] = "text/javascript", ["ics"] = "text/calendar", ["vcf"] = "text/vcard", ["rtf"] = "application/rtf",
        ["pdf"] = "application/pdf", ["zip"] = "application/zip", ["gz"] = "application/gzip",
        ["tgz"] = "application/gzip", ["tar"] = "application/x-tar", ["7z"] = "application/x-7z-compressed",
        ["bz2"] = "application/x-bzip2", ["xz"] = "application/x-xz",
        ["doc"] = "application/msword",
        ["docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ["xls"] = "application/vnd.ms-excel",
        ["xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ["ppt"] = "application/vnd.ms-powerpoint",
        ["pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ["odt"] = "application/vnd.oasis.opendocument.text",
        ["ods"] = "application/vnd.oasis.opendocument.spreadsheet",
        ["odp"] = "application/vnd.oasis.opendocument.presentation",
        ["epub"] = "application/epub+zip",
        ["png"] = "image/png", ["jpg"] = "image/jpeg", ["jpeg"] = "image/jpeg", ["gif"] = "image/gif",
        ["bmp"] = "image/bmp", ["webp"] = "image/webp", ["svg"] = "image/svg+xml", ["ico"] = "image/vnd.microsoft.icon",
        ["tif"] = "image/tiff", ["tiff"] = "image/tiff", ["heic"] = "image/heic", ["avif"] = "image/avif",
        ["mp3"] = "audio/mpeg", ["wav"] = "audio/wav", ["ogg"] = "audio/ogg", ["m4a"] = "audio/mp4",
        ["flac"] = "audio/flac", ["mp4"] = "video/mp4", ["m4v"] = "video/mp4", ["mov"] = "video/quicktime",
        ["webm"] = "video/webm", ["avi"] = "video/x-msvideo", ["mkv"] = "video/x-matroska",
        ["p7s"] = "application/pkcs7-signature", ["asc"] = "application/pgp-signature",
        ["pem"] = "application/x-pem-file", ["cer"] = "application/pkix-cert", ["crt"] = "application/x-x509-ca-cert",
    };

    /// <summary>The media type for <paramref name="fileName"/>'s extension, or <see cref="OctetStream"/>.</summary>
    /// <param name="fileName">A file name or path.</param>
    public static string FromFileName(string? fileName)
    {
        var extension = Path.GetExtension(fileName);
        return extension is { Length: > 1 } && s_byExtension.TryGetValue(extension[1..], out var type) ? type : OctetStream;
    }
}
