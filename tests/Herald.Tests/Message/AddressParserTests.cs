using Herald.Message;
using Xunit;

namespace Herald.Tests.Message;

public class AddressParserTests
{
    private static MailAddress[] Parse(string list) => [.. AddressParser.ParseList(list, "SendTo")];

    private static SmtpException Rejects(string list)
    {
        var ex = Assert.Throws<SmtpException>(() => AddressParser.ParseList(list, "SendTo"));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, ex.Code);
        Assert.Contains("SendTo", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    [Theory]
    [InlineData("a@example.com", "", "a@example.com")]
    [InlineData("  a@example.com  ", "", "a@example.com")]
    [InlineData("<a@example.com>", "", "a@example.com")]
    [InlineData("< a@example.com >", "", "a@example.com")]
    [InlineData("\"John Doe\" <john@example.com>", "John Doe", "john@example.com")]
    [InlineData("John Doe <john@example.com>", "John Doe", "john@example.com")]
    [InlineData("John   \t Doe<john@example.com>", "John Doe", "john@example.com")]
    [InlineData("\"Doe, John\" <john@example.com>", "Doe, John", "john@example.com")]
    [InlineData("\"Say \\\"hi\\\" \\\\ bye\" <s@example.com>", "Say \"hi\" \\ bye", "s@example.com")]
    [InlineData("\"\" <a@example.com>", "", "a@example.com")]
    [InlineData("john@example.com (John Doe)", "John Doe", "john@example.com")]
    [InlineData("John (the boss) Doe <john@example.com> (work)", "John Doe", "john@example.com")]
    [InlineData("(leading) john@example.com", "leading", "john@example.com")]
    [InlineData("\"Dr.\" John <john@example.com>", "Dr. John", "john@example.com")]
    [InlineData("\"john doe\"@example.com", "", "\"john doe\"@example.com")]
    [InlineData("Quoted <\"a>b\"@example.com>", "Quoted", "\"a>b\"@example.com")]
    [InlineData("user@[192.0.2.1]", "", "user@[192.0.2.1]")]
    [InlineData("user@[IPv6:2001:db8::1]", "", "user@[IPv6:2001:db8::1]")]
    [InlineData("<@relay.example,@other.example:user@example.com>", "", "user@example.com")]
    [InlineData("Jörg <jörg@bücher.example>", "Jörg", "jörg@bücher.example")]
    [InlineData("用户@例子.广告", "", "用户@例子.广告")]
    [InlineData("a..b@docomo.ne.jp", "", "a..b@docomo.ne.jp")]
    [InlineData("a+tag@example.com", "", "a+tag@example.com")]
    [InlineData("b@example.com <a@example.com>", "b@example.com", "a@example.com")]
    public void Parses_one_entry(string input, string name, string address)
    {
        var parsed = Assert.Single(Parse(input));
        Assert.Equal(new MailAddress(name, address), parsed);
    }

    [Fact]
    public void Encoded_words_in_an_unquoted_name_are_decoded()
    {
        var parsed = Assert.Single(Parse("=?utf-8?Q?J=C3=B6rg?= =?utf-8?Q?_M=C3=BCller?= <j@example.com>"));
        Assert.Equal("Jörg Müller", parsed.DisplayName);
        // Inside quotes they are text (RFC 2047 §5 rule 3).
        Assert.Equal("=?utf-8?Q?x?=", Assert.Single(Parse("\"=?utf-8?Q?x?=\" <j@example.com>")).DisplayName);
    }

    [Fact]
    public void Parses_a_list_in_order_skipping_empty_entries()
    {
        var parsed = Parse(" a@x.example, \"B, b\" <b@x.example>,, ,c@x.example (C),");
        Assert.Equal(
            [new("", "a@x.example"), new("B, b", "b@x.example"), new("C", "c@x.example")],
            parsed);
    }

    [Fact]
    public void Semicolons_separate_entries_outside_a_group()
    {
        Assert.Equal([new("", "a@x.example"), new("", "b@x.example")], Parse("a@x.example; b@x.example"));
    }

    [Fact]
    public void A_group_is_expanded_to_its_members()
    {
        var parsed = Parse("x@y.example, Team: a@x.example, \"Bee\" <b@x.example>; z@y.example");
        Assert.Equal(
            [new("", "x@y.example"), new("", "a@x.example"), new("Bee", "b@x.example"), new("", "z@y.example")],
            parsed);
    }

    [Fact]
    public void An_empty_group_adds_nothing_and_an_unterminated_group_keeps_its_members()
    {
        Assert.Empty(Parse("undisclosed-recipients:;"));
        Assert.Equal([new("", "a@x.example")], Parse("Team: a@x.example"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(" , ; ,")]
    public void Empty_lists_give_no_address(string? list)
    {
        Assert.Empty(AddressParser.ParseList(list, "Cc"));
    }

    [Theory]
    [InlineData("<>")]
    [InlineData("foo bar")]
    [InlineData("foo")]
    [InlineData("\"John Doe\"")]
    [InlineData("John Doe <>")]
    [InlineData("@example.com")]
    [InlineData("a@")]
    [InlineData("a@b@c")]
    [InlineData("a@example..com")]
    [InlineData("a@.example.com")]
    [InlineData("a@example.com.")]
    [InlineData("a b@example.com")]
    [InlineData("a@exa mple.com")]
    [InlineData("a@x.example b@x.example")]
    [InlineData("<a@x.example> trailing")]
    [InlineData("<a@x.example> <b@x.example>")]
    [InlineData("a(b@x.example")]
    [InlineData("a@x.example>")]
    [InlineData("(just a comment)")]
    [InlineData("<@relay.example>")]
    [InlineData("a@[unclosed")]
    [InlineData("a@[]")]
    public void Entries_without_a_usable_address_are_rejected_naming_the_setting(string entry)
    {
        Rejects("ok@x.example, " + entry);
    }

    [Fact]
    public void The_error_names_the_bad_entry()
    {
        var ex = Rejects("ok@x.example, foo bar, other@x.example");
        Assert.Contains("'foo bar'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"unclosed <a@x.example>", "quote")]
    [InlineData("Name <a@x.example", "angle bracket")]
    [InlineData("a@x.example (open comment", "comment")]
    [InlineData("user@[192.0.2.1", "domain literal")]
    public void Unbalanced_quotes_comments_and_brackets_are_rejected(string list, string kind)
    {
        var ex = Rejects(list);
        Assert.Contains(kind, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a@x.example\r\nRCPT TO:<evil@x.example>")]
    [InlineData("a@x.example\n")]
    [InlineData("\"Name\r\" <a@x.example>")]
    [InlineData("a@x.example\0")]
    public void Line_breaks_and_nul_are_rejected(string list)
    {
        var ex = Rejects(list);
        Assert.Contains("line break", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_address_longer_than_254_octets_is_rejected()
    {
        var local = new string('a', 63);
        var domain = string.Join('.', Enumerable.Repeat(new string('d', 60), 3)) + ".example"; // 190 characters
        Assert.Single(Parse(local + "@" + domain));                                           // 254 octets
        Rejects(local + "x@" + domain);
        Rejects(new string('é', 127) + "@x.example"); // 254 characters but 264 octets
    }

    [Fact]
    public void ParseOne_wants_exactly_one_address()
    {
        Assert.Equal(new MailAddress("Me", "me@x.example"), AddressParser.ParseOne("Me <me@x.example>", "From"));
        var none = Assert.Throws<SmtpException>(() => AddressParser.ParseOne(" , ", "From"));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, none.Code);
        Assert.Contains("From", none.Message, StringComparison.Ordinal);
        var two = Assert.Throws<SmtpException>(() => AddressParser.ParseOne("a@x.example, b@x.example", "From"));
        Assert.Contains("2", two.Message, StringComparison.Ordinal);
    }
}
