using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Herald.Message;
using Xunit;

namespace Herald.Tests.Message;

public class EncodedWordsTests
{
    private static readonly Regex WordShape = new(@"^=\?[A-Za-z0-9._-]+\?[BQ]\?[^?\s]*\?=$");

    [Fact]
    public void Encodes_ascii_heavy_text_with_Q_and_mostly_non_ascii_text_with_B()
    {
        Assert.Equal("=?utf-8?Q?Caf=C3=A9_au_lait?=", EncodedWords.Encode("Café au lait"));
        Assert.Equal("=?utf-8?B?5pel5pys6Kqe?=", EncodedWords.Encode("日本語"));
    }

    [Fact]
    public void Q_in_a_phrase_keeps_only_letters_digits_and_five_symbols_literal()
    {
        // RFC 2047 §5 rule 3: '.' and ',' are fine in Subject Q text but not in a display name.
        const string text = "Jörg. Mueller, Dept. of Things";
        Assert.Equal("=?utf-8?Q?J=C3=B6rg=2E_Mueller=2C_Dept=2E_of_Things?=",
            EncodedWords.Encode(text, context: EncodedWordContext.Phrase));
        Assert.Equal("=?utf-8?Q?J=C3=B6rg._Mueller,_Dept._of_Things?=",
            EncodedWords.Encode(text, context: EncodedWordContext.Text));
    }

    [Fact]
    public void Q_encodes_equals_question_mark_and_underscore_and_writes_space_as_underscore()
    {
        var encoded = EncodedWords.Encode("Is x=1 or y_2? That is the question, café");
        Assert.Equal("=?utf-8?Q?Is_x=3D1_or_y=5F2=3F_That_is_the_question,_caf=C3=A9?=", encoded);
    }

    [Fact]
    public void Uses_the_given_charset_when_it_can_hold_the_text()
    {
        var latin1 = Charsets.Resolve("ISO-8859-1", "Charset");
        Assert.Equal("=?iso-8859-1?Q?J=F6rg?=", EncodedWords.Encode("Jörg", latin1));
    }

    [Fact]
    public void Falls_back_to_utf8_when_the_charset_cannot_hold_the_text()
    {
        var latin1 = Charsets.Resolve("iso-8859-1", "Charset");
        var encoded = EncodedWords.Encode("Jörg 日本", latin1);
        Assert.StartsWith("=?utf-8?", encoded, StringComparison.Ordinal);
        Assert.Equal("Jörg 日本", EncodedWords.Decode(encoded));
    }

    [Fact]
    public void Legacy_code_pages_are_available_without_registering_a_provider()
    {
        var cp1252 = Charsets.Resolve("windows-1252", "Charset");
        Assert.Equal("=?windows-1252?Q?=80_5_each?=", EncodedWords.Encode("€ 5 each", cp1252));
        Assert.Equal("€ 5 each", EncodedWords.Decode("=?windows-1252?Q?=80_5_each?="));
    }

    [Theory]
    [InlineData("no-such-charset")]
    [InlineData("utf-7")]
    public void Unknown_charsets_are_rejected(string name)
    {
        var ex = Assert.Throws<SmtpException>(() => Charsets.Resolve(name, "Charset"));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, ex.Code);
        Assert.Contains("Charset", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Never_splits_a_surrogate_pair_or_a_multibyte_character_across_words()
    {
        var text = string.Concat(Enumerable.Repeat("😀é日", 40));
        foreach (var max in new[] { 20, 23, 31, 75 })
        {
            var words = EncodedWords.EncodeToList(text, null, EncodedWordContext.Text, max);
            var joined = new StringBuilder();
            foreach (var word in words)
            {
                Assert.True(word.Length <= max, $"{word} is longer than {max}");
                var decoded = EncodedWords.Decode(word);
                Assert.DoesNotContain('\uFFFD', decoded);          // each word decodes on its own: whole characters
                Assert.False(char.IsHighSurrogate(decoded[^1]));
                joined.Append(decoded);
            }
            Assert.Equal(text, joined.ToString());
        }
    }

    [Fact]
    public void A_word_always_holds_at_least_one_character_even_when_it_cannot_fit()
    {
        var words = EncodedWords.EncodeToList("😀😀", null, EncodedWordContext.Text, maxWordLength: 5);
        Assert.Equal(["=?utf-8?B?8J+YgA==?=", "=?utf-8?B?8J+YgA==?="], words);
    }

    [Fact]
    public void Each_word_of_a_stateful_charset_is_self_contained()
    {
        var jis = Charsets.Resolve("iso-2022-jp", "Charset");
        var text = string.Concat(Enumerable.Repeat("日本語のテキスト", 6));
        var words = EncodedWords.EncodeToList(text, jis);
        Assert.True(words.Count > 1);
        foreach (var word in words)
        {
            Assert.StartsWith("=?iso-2022-jp?", word, StringComparison.Ordinal);
            Assert.True(word.Length <= EncodedWords.MaxWordLength);
            // Decoded alone, each word must give whole characters: it opens and closes its own JIS X 0208 section.
            Assert.DoesNotContain('\uFFFD', EncodedWords.Decode(word));
            Assert.DoesNotContain('\u001B', EncodedWords.Decode(word));
        }
        Assert.Equal(text, string.Concat(words.Select(EncodedWords.Decode)));
    }

    [Fact]
    public void Unpaired_surrogates_become_the_replacement_character()
    {
        Assert.Equal("a\uFFFDb", EncodedWords.Decode(EncodedWords.Encode("a\uD800b")));
    }

    [Fact]
    public void Decode_drops_whitespace_between_adjacent_words_but_keeps_it_next_to_plain_text()
    {
        Assert.Equal("ab", EncodedWords.Decode("=?utf-8?Q?a?= \t =?utf-8?Q?b?="));
        Assert.Equal("a  b", EncodedWords.Decode("=?utf-8?Q?a?=  b"));
        Assert.Equal("x ab y", EncodedWords.Decode("x =?utf-8?Q?a?=\r\n =?utf-8?B?Yg==?= y"));
    }

    [Fact]
    public void Decode_joins_a_character_split_across_words_by_a_careless_sender()
    {
        // "é" is C3 A9 in UTF-8, split over two words.
        Assert.Equal("é", EncodedWords.Decode("=?utf-8?Q?=C3?= =?utf-8?Q?=A9?="));
    }

    [Theory]
    [InlineData("=?unknown-charset?Q?abc?=")]
    [InlineData("=?utf-8?X?abc?=")]
    [InlineData("=?utf-8?Q?a=ZZ?=")]
    [InlineData("=?utf-8?B?!!!!?=")]
    [InlineData("=?utf-8?Q?abc")]
    [InlineData("plain =? text ?=")]
    public void Decode_leaves_malformed_or_unknown_words_as_they_are(string value)
    {
        Assert.Equal(value, EncodedWords.Decode(value));
    }

    [Fact]
    public void Decode_accepts_lower_case_markers_language_suffixes_and_missing_padding()
    {
        Assert.Equal("é", EncodedWords.Decode("=?UTF-8*fr?q?=c3=a9?="));
        Assert.Equal("ab", EncodedWords.Decode("=?utf-8?b?YWI?="));
    }

    [Fact]
    public void Words_that_look_like_encoded_words_are_flagged_for_encoding()
    {
        Assert.True(EncodedWords.WordNeedsEncoding("=?utf-8?q?x?="));
        Assert.True(EncodedWords.WordNeedsEncoding("ünïcode"));
        Assert.True(EncodedWords.WordNeedsEncoding("bell\u0007"));
        Assert.False(EncodedWords.WordNeedsEncoding("plain-ASCII!?=("));
    }

    [Fact]
    public void Property_decode_of_encode_gives_back_the_text_with_words_of_at_most_75_characters()
    {
        Prop.ForAll(MessageGenerators.HeaderText(), text =>
        {
            var encoded = EncodedWords.Encode(text);
            var words = encoded.Length == 0 ? [] : encoded.Split(' ');
            return EncodedWords.Decode(encoded) == text
                && words.All(w => w.Length <= EncodedWords.MaxWordLength && WordShape.IsMatch(w));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [Fact]
    public void Property_round_trip_holds_in_phrase_context_and_in_a_single_byte_charset()
    {
        var latin1 = Charsets.Resolve("iso-8859-1", "Charset");
        Prop.ForAll(MessageGenerators.HeaderText(), text =>
        {
            var phrase = EncodedWords.Encode(text, latin1, EncodedWordContext.Phrase);
            bool phraseSafe = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .All(w => w.Length <= 75 && Regex.IsMatch(w, @"^=\?[^?]+\?(B\?[A-Za-z0-9+/=]*|Q\?[A-Za-z0-9!*+\-/=_]*)\?=$"));
            return phraseSafe && EncodedWords.Decode(phrase) == text;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}
