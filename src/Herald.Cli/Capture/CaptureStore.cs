using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Cli.Capture;

/// <summary>
/// The folder of captured messages. Each message is written to a hidden <c>.part</c> file first and renamed to
/// <c>&lt;UTC timestamp&gt;-&lt;short id&gt;.eml</c> only once it is complete, so a program watching the folder never
/// sees half a message.
/// </summary>
internal sealed class CaptureStore
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Opens the store, creating the folder when it does not exist (readable by its owner only, since
    /// captured mail may hold anything).</summary>
    /// <param name="directory">The folder.</param>
    /// <exception cref="IOException">The folder cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be created.</exception>
    public CaptureStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, OwnerOnlyDirectory);
        }
    }

    /// <summary>The full path of the folder.</summary>
    public string Directory { get; }

    /// <summary>Starts a new message file and writes the envelope headers to it.</summary>
    /// <param name="reversePath">The envelope sender.</param>
    /// <param name="recipients">The envelope recipients.</param>
    /// <param name="user">The user name the client authenticated as, or null (no control characters).</param>
    /// <param name="tls">The TLS version and cipher suite of the session, or null without TLS.</param>
    public PendingMessage Begin(string reversePath, IReadOnlyList<string> recipients, string? user = null, string? tls = null)
    {
        string temp = Path.Combine(Directory, $".{NewId()}.part");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 64 * 1024,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }
        var stream = new FileStream(temp, options);
        try
        {
            // The envelope is not part of the message, so record it the way local delivery agents do: as headers
            // in front of the message, which itself follows byte for byte.
            var head = new StringBuilder();
            head.Append(CaptureFolder.EnvelopeFromHeader).Append(": <").Append(reversePath).Append(">\r\n");
            foreach (var recipient in recipients)
            {
                head.Append(CaptureFolder.EnvelopeToHeader).Append(": <").Append(recipient).Append(">\r\n");
            }
            if (user is not null)
            {
                head.Append(CaptureFolder.UserHeader).Append(": ").Append(user).Append("\r\n");
            }
            if (tls is not null)
            {
                head.Append(CaptureFolder.TlsHeader).Append(": ").Append(tls).Append("\r\n");
            }
            stream.Write(Encoding.UTF8.GetBytes(head.ToString()));
        }
        catch
        {
            stream.Dispose();
            File.Delete(temp);
            throw;
        }
        return new PendingMessage(this, stream, temp);
    }

    /// <summary>Renames a finished temporary file to its final name and returns that name.</summary>
    internal string Commit(string temp, DateTime utcNow)
    {
        string stamp = utcNow.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        while (true)
        {
            string final = Path.Combine(Directory, $"{stamp}-{NewId()}.eml");
            try
            {
                File.Move(temp, final, overwrite: false);
                return final;
            }
            catch (IOException) when (File.Exists(final))
            {
                // Same millisecond and same random id: vanishingly rare, but never overwrite a message.
            }
        }
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
}
