using Herald.Cli.Options;
using Herald.Cli.Output;
using Herald.Protocol;
using Xunit;

namespace Herald.Tests.Cli;

public class OutputTests
{
    private static Capabilities Ehlo(params string[] lines) =>
        Capabilities.FromEhlo(new SmtpReply(250, ["mx.example.com greets you", .. lines]));

    [Theory]
    [InlineData(0, "0 bytes")]
    [InlineData(1000, "1000 bytes")]
    [InlineData(1024, "1 KiB")]
    [InlineData(10485760, "10 MiB")]
    [InlineData(52428800, "50 MiB")]
    [InlineData(35882577, "34.2 MiB")]
    [InlineData(1073741824, "1 GiB")]
    public void SizesAreHuman(long bytes, string expected) => Assert.Equal(expected, CapabilityTable.HumanSize(bytes));

    [Fact]
    public void RowsFollowTheServersOrderWithValuesAndMeanings()
    {
        var rows = CapabilityTable.Rows(Ehlo("PIPELINING", "SIZE 10485760", "AUTH PLAIN LOGIN", "X-ODDITY 1", "FROBNICATE", "size 5"));
        Assert.Equal(
            [
                ("PIPELINING", "yes", "commands can be batched (RFC 2920)"),
                ("SIZE", "10485760", "max message size 10 MiB (RFC 1870)"),
                ("AUTH", "PLAIN LOGIN", "login mechanisms (RFC 4954)"),
                ("X-ODDITY", "1", "vendor extension"),
                ("FROBNICATE", "yes", "not known to herald"),
            ],
            rows);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    public void SizeWithoutALimitSaysSo(string parameters) =>
        Assert.Equal("sizes are declared up front, no fixed limit (RFC 1870)", CapabilityTable.Meaning("SIZE", parameters));

    [Fact]
    public void TheTableIsAlignedAndLongValuesWrapInTheirColumn()
    {
        string text = CapabilityTable.Render(
            Ehlo("PIPELINING", "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-256 XOAUTH2", "8BITMIME"));
        var lines = text.TrimEnd('\n').Split('\n');
        // Keyword column as wide as "PIPELINING", value column as wide as the longest wrapped piece (31 characters).
        Assert.Equal("  PIPELINING  " + "yes".PadRight(31) + "  commands can be batched (RFC 2920)", lines[0]);
        Assert.Equal("  AUTH        PLAIN LOGIN CRAM-MD5 DIGEST-MD5  login mechanisms (RFC 4954)", lines[1]);
        Assert.Equal("              SCRAM-SHA-256 XOAUTH2", lines[2]);
        Assert.Equal("  8BITMIME    " + "yes".PadRight(31) + "  8-bit message bodies (RFC 6152)", lines[3]);
        Assert.Equal(4, lines.Length);
    }

    [Theory]
    [InlineData(0, "EHLO me", "C: EHLO me")]
    [InlineData(1, "250 OK", "S: 250 OK")]
    [InlineData(2, "Connecting", "*  Connecting")]
    public void TraceLinesHaveTheTranscriptPrefixes(int direction, string message, string expected) =>
        Assert.Equal(expected, ProtocolTrace.Format(direction, message));
}
