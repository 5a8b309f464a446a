using System.Text;
using Herald.Security.Sasl;
using Xunit;

namespace Herald.Tests.Sasl;

public class SaslPrepTests
{
    // RFC 4013 §3 examples 1-3.
    [Theory]
    [InlineData("I\u00ADX", "IX")]
    [InlineData("user", "user")]
    [InlineData("USER", "USER")]
    public void Rfc4013ExamplesWithoutNormalisation(string input, string expected)
    {
        Assert.Equal(expected, SaslPrep.Prepare(input, "Password"));
    }

    // RFC 4013 §3 examples 4 and 5 need Unicode normalisation form KC, which .NET takes from ICU. In a process running
    // in globalization-invariant mode (as this test project is configured) there is none and the text passes through;
    // both behaviours are the documented ones.
    [Theory]
    [InlineData("\u00AA", "a")]
    [InlineData("\u2168", "IX")]
    public void Rfc4013NormalisationExamples(string input, string normalised)
    {
        bool runtimeNormalises = "\u00AA".Normalize(NormalizationForm.FormKC) == "a";

        Assert.Equal(runtimeNormalises ? normalised : input, SaslPrep.Prepare(input, "Password"));
    }

    [Fact]
    public void Rfc4013ProhibitedExample()
    {
        // RFC 4013 §3 example 6: U+0007 is prohibited.
        var error = Assert.Throws<SmtpException>(() => SaslPrep.Prepare("\u0007", "Password"));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
        Assert.Contains("U+0007", error.Message, StringComparison.Ordinal);
        Assert.Contains("Password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rfc4013BidiExample()
    {
        // RFC 4013 §3 example 7: U+0627 U+0031 starts right-to-left but ends with a digit.
        Assert.Throws<SmtpException>(() => SaslPrep.Prepare("\u0627\u0031", "Password"));
    }

    [Fact]
    public void NonAsciiSpacesBecomeSpaceAndMappedCharactersDisappear()
    {
        Assert.Equal("a b c d", SaslPrep.Prepare("a\u00A0b\u3000c\u2003d", "Password"));
        Assert.Equal("ab", SaslPrep.Prepare("a\u200B\uFEFF\u034Fb", "Password"));
    }

    [Theory]
    [InlineData("tab\tstop")] // C.2.1
    [InlineData("del\u007F")] // C.2.1
    [InlineData("c1\u0085")] // C.2.2
    [InlineData("line\u2028sep")] // C.2.2
    [InlineData("private\uE000")] // C.3
    [InlineData("non\uFDD0char")] // C.4
    [InlineData("lone\uD800")] // C.5
    [InlineData("lone\uDC00low")] // C.5
    [InlineData("replace\uFFFD")] // C.6
    [InlineData("ideo\u2FF0")] // C.7
    [InlineData("rlm\u200F")] // C.8
    [InlineData("tag\U000E0041")] // C.9
    [InlineData("plane15\U000F0000")] // C.3 beyond the BMP
    public void ProhibitedCharactersAreRejected(string input)
    {
        Assert.Throws<SmtpException>(() => SaslPrep.Prepare(input, "Password"));
    }

    [Theory]
    [InlineData("\u05D0\u05D1\u05D2")] // all Hebrew
    [InlineData("\u0627 1 \u0628")] // Arabic at both ends, neutral digits and spaces inside
    public void RightToLeftTextThatFollowsTheRulesIsAccepted(string input)
    {
        Assert.Equal(input, SaslPrep.Prepare(input, "Password"));
    }

    [Theory]
    [InlineData("\u05D0a\u05D1")] // a left-to-right letter inside right-to-left text
    [InlineData("1\u05D0")] // right-to-left text that does not start with a right-to-left character
    public void RightToLeftTextThatBreaksTheRulesIsRejected(string input)
    {
        Assert.Throws<SmtpException>(() => SaslPrep.Prepare(input, "Password"));
    }

    [Fact]
    public void CharactersOutsideTheBasicPlaneArePreserved()
    {
        Assert.Equal("pw\U0001F600", SaslPrep.Prepare("pw\U0001F600", "Password"));
    }
}
