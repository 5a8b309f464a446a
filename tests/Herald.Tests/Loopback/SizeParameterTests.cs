using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Loopback.LoopbackSmtp;

namespace Herald.Tests.Loopback;

/// <summary>
/// RFC 1870: the SIZE= value the client declares equals the octets of message data the server receives (line ends
/// as CRLF, the CRLF the client adds to an unterminated last line included, doubled dots and the final ".CRLF" not),
/// whatever line ends the message was written with and whichever property it came from.
/// </summary>
public partial class SizeParameterTests
{
    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        string[] bodies = ["crlf", "lf", "cr", "mixed", "unterminated", "dots", "empty"];
        string[] sources = ["MessageText", "Message", "MessageB", "Stream"];
        foreach (string body in bodies)
        {
            foreach (string source in sources)
            {
                data.Add(body, source, false);
                data.Add(body, source, true);
            }
        }
        return data;
    }

    private static string Body(string name) => name switch
    {
        "crlf" => "line one\r\nline two\r\n",
        "lf" => "line one\nline two\n\n",
        "cr" => "line one\rline two\r",
        "mixed" => "a\r\nb\nc\rd\r\r\n\n\re",
        "unterminated" => "no line end at the end",
        "dots" => ".leading dot\n..two\r\n.\n",
        "empty" => "",
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory, MemberData(nameof(Cases))]
    public async Task TheDeclaredSizeIsTheSizeOfWhatArrives(string bodyName, string source, bool isAsync)
    {
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        string body = Body(bodyName);
        string raw = "From: alice@example.org\nTo: bob@example.com\nSubject: size\n\n" + body;
        switch (source)
        {
            case "MessageText":
                smtp.MessageText = body;
                break;
            case "Message":
                smtp.Message = raw;
                break;
            case "MessageB":
                smtp.MessageB = Encoding.UTF8.GetBytes(raw);
                break;
            default:
                smtp.SetMessageStream(new MemoryStream(Encoding.UTF8.GetBytes(body)));
                break;
        }

        await Send(smtp, isAsync);

        var message = Assert.Single(server.Sessions[0].Messages);
        long declared = long.Parse(SizeParameter().Match(message.MailLine).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(message.Content.Length, declared);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheClientSideLimitUsesTheSameCount(bool isAsync)
    {
        // 600 bare line ends: counted as written (before normalisation), the message would fit under the limit.
        string body = new('\n', 600);
        await using var server = new FakeSmtpServer();
        using var smtp = Create(server);
        smtp.Message = "Subject: x\n\n" + body;
        int limit = smtp.Message.Length + 100; // far below the 2 x 600 octets the line ends become
        server.Capabilities.Remove("SIZE 10485760");
        server.Capabilities.Add($"SIZE {limit}");

        var e = await SendFails(smtp, isAsync);

        Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
        Assert.Contains($"at most {limit} bytes", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Sessions[0].Messages);
    }

    [GeneratedRegex(@"SIZE=(\d+)")]
    private static partial Regex SizeParameter();
}
