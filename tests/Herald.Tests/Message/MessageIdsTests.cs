using System.Text.RegularExpressions;
using Herald.Message;
using Xunit;

namespace Herald.Tests.Message;

public class MessageIdsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 5, 3, TimeSpan.FromHours(1));

    [Theory]
    [InlineData("MD5", 32)]
    [InlineData("md5", 32)]
    [InlineData("SHA1", 40)]
    [InlineData("Sha1", 40)]
    [InlineData("SHA256", 64)]
    [InlineData(" sha256 ", 64)]
    public void Generated_ids_are_the_hex_hash_at_the_domain(string algorithm, int hexDigits)
    {
        var id = MessageIds.Generate(algorithm, "mail.example.com", Now);
        Assert.Matches(new Regex($"^<[0-9a-f]{{{hexDigits}}}@mail\\.example\\.com>$"), id);
    }

    [Fact]
    public void Generated_ids_differ_even_at_the_same_instant()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => MessageIds.Generate("MD5", "h.example", Now)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("SHA512")]
    [InlineData("SHA-1")]
    [InlineData("")]
    [InlineData("crc32")]
    public void Other_algorithms_are_rejected(string algorithm)
    {
        var ex = Assert.Throws<SmtpException>(() => MessageIds.Generate(algorithm, "h.example", Now));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, ex.Code);
        Assert.Contains("MessageIdAlgorithm", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mail.example.com", "mail.example.com")]
    [InlineData("host_1", "host_1")]
    [InlineData("", "localhost")]
    [InlineData("   ", "localhost")]
    [InlineData("my host", "localhost")]
    [InlineData("bücher.example", "localhost")]
    [InlineData("a..b", "localhost")]
    [InlineData(".example", "localhost")]
    [InlineData("[192.0.2.1]", "localhost")]
    public void The_domain_falls_back_to_localhost_when_it_cannot_appear_in_an_id(string domain, string expected)
    {
        Assert.Equal(expected, MessageIds.IdDomain(domain));
        Assert.EndsWith("@" + expected + ">", MessageIds.Generate("SHA1", domain, Now), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc@example.com", "<abc@example.com>")]
    [InlineData("<abc@example.com>", "<abc@example.com>")]
    [InlineData("  <abc@example.com>  ", "<abc@example.com>")]
    [InlineData("<abc@example.com", "<abc@example.com>")]
    [InlineData("abc@example.com>", "<abc@example.com>")]
    [InlineData("no-at-sign", "<no-at-sign>")]
    public void User_ids_are_kept_and_get_angle_brackets_when_missing(string input, string expected)
    {
        Assert.Equal(expected, MessageIds.Normalize(input));
    }
}
