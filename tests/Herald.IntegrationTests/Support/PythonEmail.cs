using System.Diagnostics;
using System.Text.Json;

namespace Herald.IntegrationTests.Support;

/// <summary>One leaf part of a message as Python's <c>email</c> package reads it.</summary>
/// <param name="ContentType">The media type, lower case (<c>text/plain</c>).</param>
/// <param name="FileName">The decoded file name (RFC 2231 or RFC 2047), or null.</param>
/// <param name="ContentId">The Content-ID header as written (with angle brackets), or null.</param>
/// <param name="Disposition">inline, attachment or null.</param>
/// <param name="Sha256">The SHA-256 of the decoded bytes, lower-case hex.</param>
/// <param name="Text">For a text part: its decoded text with LF line ends; else null.</param>
internal sealed record PythonPart(string ContentType, string? FileName, string? ContentId, string? Disposition, string Sha256,
    string? Text);

/// <summary>A message as Python's <c>email</c> package (policy.default) reads it: a parser independent of Herald's
/// writer and of MimeKit.</summary>
/// <param name="Subject">The decoded Subject.</param>
/// <param name="Structure">Every part's media type in walk order, multiparts included.</param>
/// <param name="Leaves">The parts that are not multipart, in order.</param>
/// <param name="HeaderNames">The top-level header names in order.</param>
internal sealed record PythonMessage(string? Subject, IReadOnlyList<string> Structure, IReadOnlyList<PythonPart> Leaves,
    IReadOnlyList<string> HeaderNames)
{
    private const string Script = """
        import sys, json, hashlib, email
        from email import policy
        with open(sys.argv[1], 'rb') as f:
            msg = email.message_from_binary_file(f, policy=policy.default)
        structure, leaves = [], []
        for part in msg.walk():
            structure.append(part.get_content_type())
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b''
            text = None
            if part.get_content_maintype() == 'text':
                text = part.get_content().replace('\r\n', '\n')
            leaves.append({'contentType': part.get_content_type(), 'fileName': part.get_filename(),
                           'contentId': part.get('Content-ID'), 'disposition': part.get_content_disposition(),
                           'sha256': hashlib.sha256(payload).hexdigest(), 'text': text})
        print(json.dumps({'subject': msg['subject'], 'structure': structure, 'leaves': leaves,
                          'headerNames': list(msg.keys())}))
        """;

    /// <summary>Parses a stored message with /usr/bin/python3.</summary>
    /// <param name="text">The message as the peer stored it.</param>
    public static async Task<PythonMessage> ParseAsync(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"herald-python-{Guid.NewGuid():N}.eml");
        await File.WriteAllTextAsync(path, text);
        try
        {
            var start = new ProcessStartInfo("/usr/bin/python3")
            {
                ArgumentList = { "-c", Script, path },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"python3 failed ({process.ExitCode}): {await error}");
            }
            return JsonSerializer.Deserialize<PythonMessage>(await output, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
