using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Cli.Output;

/// <summary>
/// The <c>--json</c> output of <c>send</c>, <c>probe</c>, <c>verify</c>, <c>expand</c> and <c>queue add</c>: one JSON
/// object on stdout, written once when the command ends, whether it succeeded or not. Its shape is documented in the
/// README and kept stable: members are added, never renamed or removed, and <c>format</c> changes only if that rule
/// ever has to break.
/// Every object has <c>format</c> (1), <c>command</c>, <c>ok</c>, <c>exitCode</c>, <c>server</c>, <c>tls</c> and
/// <c>error</c>; the command's own members follow.
/// </summary>
internal sealed class JsonReport
{
    /// <summary>The version of the shape.</summary>
    public const int Format = 1;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        // Addresses and server text are shown as they are (no \u003C for "<"); the output is not embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonObject _root;
    private readonly JsonObject _members = new();

    /// <summary>Starts the report of a command.</summary>
    /// <param name="command">send, probe, verify, expand or "queue add".</param>
    public JsonReport(string command)
    {
        _root = new JsonObject
        {
            ["format"] = Format,
            ["command"] = command,
            ["ok"] = false,
            ["exitCode"] = ExitCodes.Software,
            ["server"] = null,
            ["tls"] = null,
            ["error"] = null,
        };
    }

    /// <summary>True once the report was written.</summary>
    public bool Written { get; private set; }

    /// <summary>Sets a member of the command's own part.</summary>
    /// <param name="name">The member's name.</param>
    /// <param name="value">Its value.</param>
    public JsonNode? this[string name]
    {
        set => _members[name] = value;
    }

    /// <summary>Records the server (HOST:PORT).</summary>
    /// <param name="display">The server as messages show it.</param>
    public void SetServer(string display) => _root["server"] = display;

    /// <summary>Records the TLS session of a connected component, or null when the session is not encrypted.</summary>
    /// <param name="smtp">The component.</param>
    public void SetTls(Smtp smtp)
    {
        string version = smtp.Config("SSLNegotiatedVersion");
        _root["tls"] = version.Length == 0 ? null : new JsonObject
        {
            ["version"] = version,
            ["cipherSuite"] = smtp.Config("SSLNegotiatedCipherSuite"),
        };
    }

    /// <summary>Records the failure that ended the command.</summary>
    /// <param name="e">The failure.</param>
    public void SetError(Exception e)
    {
        var error = new JsonObject
        {
            ["message"] = e.Message,
            ["code"] = e is SmtpException smtp ? smtp.Code : 0,
            ["replyCode"] = e is SmtpException { ReplyCode: > 0 } withReply ? withReply.ReplyCode : null,
            ["enhancedStatusCode"] = e is SmtpException { EnhancedStatusCode.Length: > 0 } withCode ? withCode.EnhancedStatusCode : null,
            ["reply"] = e is SmtpException { ServerReply.Length: > 0 } withText ? Reply(withText.ServerReply) : null,
        };
        _root["error"] = error;
    }

    /// <summary>An SMTP reply as <c>{ "code", "enhancedStatusCode", "lines" }</c>, or null for an empty reply.</summary>
    /// <param name="reply">The reply's lines, CRLF separated, as the component's LastReply holds them.</param>
    public static JsonObject? Reply(string reply)
    {
        string[] lines = reply.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return null;
        }
        int? code = lines[0].Length >= 3 && int.TryParse(lines[0].AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture,
            out int n) ? n : null;
        return new JsonObject
        {
            ["code"] = code,
            ["enhancedStatusCode"] = EnhancedCode(lines[0]),
            ["lines"] = Array(lines),
        };
    }

    /// <summary>A JSON array of strings.</summary>
    /// <param name="items">The strings.</param>
    public static JsonArray Array(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);

    /// <summary>Writes the report to standard output (once).</summary>
    /// <param name="env">Where stdout is.</param>
    /// <param name="exitCode">The command's exit code.</param>
    public void Write(CliEnvironment env, int exitCode)
    {
        if (Written)
        {
            return;
        }
        Written = true;
        _root["ok"] = exitCode == ExitCodes.Ok;
        _root["exitCode"] = exitCode;
        foreach (var (name, value) in _members.ToArray())
        {
            _members.Remove(name);
            _root[name] = value;
        }
        env.Out.WriteLine(_root.ToJsonString(Options));
    }

    /// <summary>The RFC 3463 code after the reply code ("250 2.0.0 Ok" gives "2.0.0"), or null.</summary>
    private static string? EnhancedCode(string line)
    {
        if (line.Length < 9)
        {
            return null;
        }
        string rest = line[4..];
        int end = rest.IndexOf(' ', StringComparison.Ordinal);
        string candidate = end < 0 ? rest : rest[..end];
        string[] parts = candidate.Split('.');
        bool valid = parts.Length == 3 && parts[0] is "2" or "4" or "5"
                     && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit));
        return valid ? candidate : null;
    }
}
