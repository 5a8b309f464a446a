using System.Text;
using Herald.Tests.Infrastructure;
using Xunit;

namespace Herald.Tests.InfrastructureTests;

public class TranscriptTests
{
    [Fact]
    public void ParsesEveryKindOfLine()
    {
        var transcript = Transcript.Parse("""
            # a comment
            S: 220 mx.test ESMTP

            C: EHLO {any}
            C:
            C~ BDAT 3\r\nab\x63
            S! 32 35 30 0d0a
            S~ 251 \t\\\0
            -- close
            C: QUIT
            -- client-close
            """, "t.smtp");

        var steps = Assert.Single(transcript.Sessions).Steps;
        Assert.Equal(
            [TranscriptStepKind.Server, TranscriptStepKind.Client, TranscriptStepKind.Client, TranscriptStepKind.Client,
             TranscriptStepKind.Server, TranscriptStepKind.Server, TranscriptStepKind.ServerClose, TranscriptStepKind.Client,
             TranscriptStepKind.ClientClose],
            steps.Select(s => s.Kind));
        Assert.Equal([2, 4, 5, 6, 7, 8, 9, 10, 11], steps.Select(s => s.LineNumber));
        Assert.Equal("220 mx.test ESMTP\r\n", Encoding.UTF8.GetString(steps[0].Bytes));
        Assert.Equal("EHLO {any}", steps[1].Pattern!.Text);
        Assert.Equal("\r\n"u8.ToArray(), steps[2].Bytes);
        Assert.Equal("BDAT 3\r\nabc"u8.ToArray(), steps[3].Bytes);
        Assert.Equal("250\r\n"u8.ToArray(), steps[4].Bytes);
        Assert.Equal("251 \t\\\0"u8.ToArray(), steps[5].Bytes);
        Assert.Equal("C: QUIT", steps[7].Source);
    }

    [Fact]
    public void KeepsNonAsciiTextAsUtf8()
    {
        var steps = Transcript.Parse("C: MAIL FROM:<jürgen@exämple.test>\nC~ ü\\r\\n").Sessions[0].Steps;

        Assert.Equal(Encoding.UTF8.GetBytes("MAIL FROM:<jürgen@exämple.test>\r\n"), steps[0].Bytes);
        Assert.Equal(Encoding.UTF8.GetBytes("ü\r\n"), steps[1].Bytes);
    }

    [Fact]
    public void ToleratesCrlfLineEndsInTheFile()
    {
        var steps = Transcript.Parse("S: 220 hi\r\nC: QUIT\r\n").Sessions[0].Steps;

        Assert.Equal("220 hi\r\n"u8.ToArray(), steps[0].Bytes);
        Assert.Equal("QUIT\r\n"u8.ToArray(), steps[1].Bytes);
    }

    [Fact]
    public void SplitsConnections()
    {
        var transcript = Transcript.Parse("S: 421 busy\n-- close\n-- next-connection\nS: 220 ok\nC: QUIT");

        Assert.Equal(2, transcript.Sessions.Count);
        Assert.Equal(1, transcript.Sessions[1].Index);
        Assert.Equal("220 ok\r\n"u8.ToArray(), transcript.Sessions[1].Steps[0].Bytes);
    }

    [Theory]
    [InlineData("X: hello", "does not start with")]
    [InlineData("C:QUIT", "put one space after")]
    [InlineData("S! 2", "hex digits")]
    [InlineData("S! zz", "hex digits")]
    [InlineData("S~ \\q", "unknown escape")]
    [InlineData("S~ \\x4", "unknown escape")]
    [InlineData("S~ abc\\", "lone backslash")]
    [InlineData("S~ ", "no bytes")]
    [InlineData("-- explode", "unknown directive")]
    [InlineData("S: 221 bye\n-- close\nS: 250 more", "after \"-- close\"")]
    [InlineData("C: QUIT\n-- client-close\nC: NOOP", "nothing can follow")]
    [InlineData("-- silence\nC: QUIT", "only \"-- client-close\" can follow")]
    [InlineData("S: 220 hi\n-- next-connection\n# nothing", "connection 2 has no lines")]
    [InlineData("", "connection 1 has no lines")]
    public void RejectsBadSyntaxNamingTheLine(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => Transcript.Parse(text, "bad.smtp"));

        Assert.Contains(message, e.Message);
        Assert.StartsWith("bad.smtp:", e.Message);
    }

    [Fact]
    public void ErrorNamesTheLineNumber()
    {
        var e = Assert.Throws<FormatException>(() => Transcript.Parse("# one\nS: 220 hi\n\nQ: what", "n.smtp"));

        Assert.StartsWith("n.smtp:4:", e.Message);
    }

    [Fact]
    public void LoadsARelativePathFromTheTestOutputFolder()
    {
        string name = $"load-{Guid.NewGuid():N}.smtp";
        string full = Path.Combine(AppContext.BaseDirectory, name);
        File.WriteAllText(full, "S: 220 loaded\nC: QUIT\n");
        try
        {
            var transcript = Transcript.Load(name);

            Assert.Equal(name, transcript.Name);
            Assert.Equal("220 loaded\r\n"u8.ToArray(), transcript.Sessions[0].Steps[0].Bytes);
        }
        finally
        {
            File.Delete(full);
        }
    }
}
