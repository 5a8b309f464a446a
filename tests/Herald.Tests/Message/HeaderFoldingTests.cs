using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Herald.Message;
using Xunit;

namespace Herald.Tests.Message;

public class HeaderFoldingTests
{
    private static readonly Regex EncodedWord = new(@"=\?[^?\s]+\?[BQ]\?[^?\s]*\?=");

    private static HeaderSpec Spec(int maxHeaderLength, bool fold = true)
    {
        var spec = HeaderBlockTests.Bare();
        spec.MaxHeaderLength = maxHeaderLength;
        spec.FoldHeaders = fold;
        return spec;
    }

    private static string[] Lines(BuiltHeaders built) => built.Text[..^2].Split("\r\n");

    // Unfolding the block gives "Name: value" CRLF for every field, in order.
    private static void AssertUnfoldsToFields(BuiltHeaders built)
    {
        var expected = string.Concat(built.Fields.Select(f => f.Key + ": " + f.Value + "\r\n"));
        Assert.Equal(expected, HeaderFolding.Unfold(built.Text));
    }

    private static void AssertContinuationLinesAreWellFormed(string[] lines)
    {
        foreach (var line in lines.Skip(1))
        {
            Assert.True(line[0] is ' ' or '\t', $"continuation line without leading whitespace: '{line}'");
            Assert.True(line.AsSpan().IndexOfAnyExcept(' ', '\t') >= 0, "a folded line holds only whitespace");
        }
    }

    // An encoded word is never cut by a fold: once the whole words are taken out, no "=?" is left on the line.
    // (Plain words holding "=?" are always encoded, so a leftover can only be a cut word.)
    private static bool HoldsWholeEncodedWords(string line) =>
        !EncodedWord.Replace(line, " ").Contains("=?", StringComparison.Ordinal);

    private static string Recipients(int count) =>
        string.Join(", ", Enumerable.Range(1, count).Select(i => $"\"Person {i}\" <person.number{i}@example.com>"));

    [Theory]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(78)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(200)]
    public void Address_lists_fold_between_addresses_only(int max)
    {
        var spec = Spec(max);
        spec.SendTo = Recipients(12);
        var built = HeaderBlock.Build(spec);
        var lines = Lines(built);
        Assert.True(lines.Length > 1);
        AssertContinuationLinesAreWellFormed(lines);
        AssertUnfoldsToFields(built);
        for (int i = 0; i < lines.Length; i++)
        {
            // Each address ("Person n" <...>, 43-45 characters) fits in 60, so lines pass the limit only at 40.
            if (max >= 60)
            {
                Assert.True(lines[i].Length <= max, $"line {i} is {lines[i].Length} long: '{lines[i]}'");
            }
            if (i < lines.Length - 1)
            {
                Assert.EndsWith(",", lines[i], StringComparison.Ordinal);
            }
            const string address = @"""Person \d+"" <person\.number\d+@example\.com>";
            Assert.Matches($"^(To: | ){address}(, {address})*,?$", lines[i]);
        }
        Assert.Equal(Recipients(12), built.Fields[0].Value);
    }

    [Fact]
    public void The_default_folds_at_80()
    {
        var spec = HeaderBlockTests.Bare();
        spec.Cc = Recipients(5);
        // Two addresses (45 characters each with the separating space) never fit together in 80.
        Assert.Equal(
            [
                "Cc: \"Person 1\" <person.number1@example.com>,",
                " \"Person 2\" <person.number2@example.com>,",
                " \"Person 3\" <person.number3@example.com>,",
                " \"Person 4\" <person.number4@example.com>,",
                " \"Person 5\" <person.number5@example.com>",
            ],
            Lines(HeaderBlock.Build(spec)));
    }

    [Fact]
    public void Fold_headers_false_keeps_a_long_field_on_one_line()
    {
        var spec = Spec(80, fold: false);
        spec.SendTo = Recipients(12); // about 530 characters
        var built = HeaderBlock.Build(spec);
        Assert.Single(Lines(built));
        Assert.Equal("To: " + Recipients(12) + "\r\n", built.Text);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(5000)]
    public void Max_header_length_of_zero_or_less_or_above_998_means_only_the_hard_limit(int max)
    {
        var spec = Spec(max);
        spec.SendTo = Recipients(12);
        Assert.Single(Lines(HeaderBlock.Build(spec)));
        spec.SendTo = Recipients(30); // about 1330 characters: must still fold under 998
        var lines = Lines(HeaderBlock.Build(spec));
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.True(l.Length <= HeaderFolding.HardLimit));
    }

    [Fact]
    public void Folding_off_still_respects_the_998_character_limit()
    {
        var spec = Spec(80, fold: false);
        spec.Subject = string.Join(' ', Enumerable.Repeat("lorem ipsum", 150)); // 1799 characters
        var built = HeaderBlock.Build(spec);
        var lines = Lines(built);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.True(l.Length <= HeaderFolding.HardLimit));
        AssertUnfoldsToFields(built);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(50)]
    [InlineData(78)]
    [InlineData(80)]
    [InlineData(120)]
    public void Long_subjects_fold_at_whitespace_and_unfold_to_the_value(int max)
    {
        var spec = Spec(max);
        spec.Subject = "Minutes of the weekly meeting: naïve café owners discuss crème brûlée, 日本語のテキスト, and " +
                       "a fairly long list of other agenda items that will not fit on one line";
        var built = HeaderBlock.Build(spec);
        var lines = Lines(built);
        AssertContinuationLinesAreWellFormed(lines);
        AssertUnfoldsToFields(built);
        Assert.Equal(spec.Subject, EncodedWords.Decode(built.Fields[0].Value));
        Assert.All(lines, l => Assert.True(l.Length <= max, $"'{l}' is longer than {max}"));
        Assert.All(lines, l => Assert.True(HoldsWholeEncodedWords(l), l));
    }

    [Fact]
    public void The_first_encoded_word_is_sized_to_the_room_after_the_field_name()
    {
        var spec = Spec(80);
        spec.Subject = new string('é', 60);
        var lines = Lines(HeaderBlock.Build(spec));
        Assert.True(lines[0].Length is > 70 and <= 80, lines[0]);
        Assert.All(lines.Skip(1), l => Assert.True(l.Length <= 76, l)); // " " + at most 75
    }

    [Fact]
    public void A_long_word_that_cannot_fold_stays_on_a_long_line()
    {
        var spec = Spec(40);
        var url = "https://example.com/" + new string('p', 100);
        spec.Subject = "see " + url + " now";
        var built = HeaderBlock.Build(spec);
        Assert.Equal(["Subject: see", " " + url, " now"], Lines(built));
    }

    [Fact]
    public void A_word_too_long_for_any_line_is_sent_as_encoded_words()
    {
        var spec = Spec(80);
        var word = new string('x', 1200);
        spec.Subject = "start " + word;
        var built = HeaderBlock.Build(spec);
        var lines = Lines(built);
        Assert.StartsWith("Subject: start =?utf-8?Q?xxx", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Length > 15);
        Assert.All(lines, l => Assert.True(l.Length <= 80));
        Assert.Equal(spec.Subject, EncodedWords.Decode(built.Fields[0].Value));
    }

    [Fact]
    public void A_verbatim_value_that_cannot_fold_under_998_is_rejected()
    {
        var spec = Spec(80);
        spec.MessageId = new string('x', 1000) + "@example.com";
        var ex = Assert.Throws<SmtpException>(() => HeaderBlock.Build(spec));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, ex.Code);
        Assert.Contains("MessageId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_encoded_display_name_folds_between_its_words_but_never_before_the_address()
    {
        var spec = Spec(80);
        spec.From = "\"" + string.Concat(Enumerable.Repeat("Ünïcödé ", 12)).Trim() + "\" <someone@example.com>, next@example.com";
        var built = HeaderBlock.Build(spec);
        var lines = Lines(built);
        Assert.True(lines.Length >= 3);
        AssertUnfoldsToFields(built);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("<someone", StringComparison.Ordinal));
        Assert.EndsWith("?= <someone@example.com>, next@example.com", lines[^1], StringComparison.Ordinal);
        var name = string.Join(' ', built.Fields[0].Value.Split(' ').TakeWhile(w => !w.StartsWith('<')));
        Assert.Equal(string.Concat(Enumerable.Repeat("Ünïcödé ", 12)).Trim(), EncodedWords.Decode(name));
    }

    [Fact]
    public void A_very_long_ascii_display_name_is_encoded_so_no_line_passes_998()
    {
        var spec = Spec(80, fold: false);
        var name = string.Join(' ', Enumerable.Repeat("Name", 250)); // 1249 characters
        spec.From = "\"" + name + "\" <a@example.com>";
        var built = HeaderBlock.Build(spec);
        Assert.All(Lines(built), l => Assert.True(l.Length <= HeaderFolding.HardLimit));
        Assert.StartsWith("From: =?utf-8?Q?Name_Name_", built.Text, StringComparison.Ordinal);
        AssertUnfoldsToFields(built);
    }

    [Fact]
    public void Trailing_whitespace_is_never_moved_to_a_line_of_its_own()
    {
        var spec = Spec(20);
        spec.Subject = "abcdefghij klmnopq" + new string(' ', 10);
        var lines = Lines(HeaderBlock.Build(spec));
        AssertContinuationLinesAreWellFormed(lines);
        Assert.EndsWith(new string(' ', 10), lines[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void A_tiny_limit_folds_wherever_it_can_and_still_round_trips(int max)
    {
        var spec = Spec(max);
        spec.Subject = "tiny é limits 😀 here";
        spec.SendTo = "\"Zoë\" <z@example.com>, b@example.com";
        var built = HeaderBlock.Build(spec);
        AssertUnfoldsToFields(built);
        Assert.All(Lines(built), l => Assert.Matches(@"^(To: |Subject: |[ \t])\S", l));
        Assert.Equal(spec.Subject, EncodedWords.Decode(built.Fields[1].Value));
        Assert.Equal(
            ["To: =?utf-8?Q?Zo=C3=AB?= <z@example.com>,", " b@example.com", "Subject: tiny"], // Q wins the 8-8 tie,
            Lines(built)[..3]);
    }

    [Fact]
    public void Unfold_removes_only_line_breaks_followed_by_whitespace()
    {
        Assert.Equal("a b\tc\r\nd", HeaderFolding.Unfold("a\r\n b\n\tc\r\nd"));
    }

    [Fact]
    public void Property_any_subject_at_any_limit_round_trips_and_keeps_lines_in_bounds()
    {
        var limits = Gen.Elements(0, 30, 31, 40, 57, 78, 80, 100, 998).ToArbitrary();
        Prop.ForAll(MessageGenerators.HeaderText(), limits, (subject, max) =>
        {
            var spec = Spec(max);
            spec.Subject = subject;
            var built = HeaderBlock.Build(spec);
            if (subject.Length == 0)
            {
                Assert.Equal("", built.Text);
                return;
            }
            var lines = Lines(built);
            int limit = HeaderFolding.EffectiveLimit(true, max);
            foreach (var line in lines)
            {
                Assert.True(line.Length <= HeaderFolding.HardLimit, line);
                Assert.True(line.Length <= limit || IsUnbreakable(line), $"'{line}' passes {limit}");
                Assert.True(HoldsWholeEncodedWords(line), line);
                Assert.True(line.All(c => c == '\t' || (c >= 0x20 && c < 0x7F)), line);
            }
            AssertContinuationLinesAreWellFormed(lines);
            AssertUnfoldsToFields(built);
            Assert.Equal(subject, EncodedWords.Decode(built.Fields[0].Value));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));

        // A line over the limit must be one piece that could not be split: a plain word, possibly with the field
        // name before it and whitespace around it.
        static bool IsUnbreakable(string line)
        {
            var body = line.StartsWith("Subject: ", StringComparison.Ordinal) ? line[9..] : line;
            return body.Trim(' ', '\t').IndexOfAny([' ', '\t']) < 0;
        }
    }

    [Fact]
    public void Property_any_address_list_round_trips_through_the_header()
    {
        var names = MessageGenerators.HeaderText();
        var limits = Gen.Elements(0, 40, 78, 80, 120).ToArbitrary();
        Prop.ForAll(names, limits, (name, max) =>
        {
            var spec = Spec(max);
            var escaped = name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            spec.SendTo = $"\"{escaped}\" <first@example.com>, second@example.com";
            var built = HeaderBlock.Build(spec);
            var reparsed = AddressParser.ParseList(built.Fields[0].Value, "To");
            bool unfolds = HeaderFolding.Unfold(built.Text) == "To: " + built.Fields[0].Value + "\r\n";
            return unfolds
                && reparsed.Count == 2
                && reparsed[0].Address == "first@example.com"
                && reparsed[1] == new MailAddress("", "second@example.com")
                && reparsed[0].DisplayName == name
                && Lines(built).All(l => l.Length <= HeaderFolding.HardLimit);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}
