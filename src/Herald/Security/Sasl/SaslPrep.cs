using System.Globalization;
using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// SASLprep (RFC 4013, a profile of stringprep, RFC 3454) for user names and passwords sent by SCRAM, treated as
/// "query" strings (unassigned code points are allowed).
/// </summary>
/// <remarks>
/// What is done, step by step:
/// <list type="number">
/// <item>Mapping (RFC 4013 §2.1): the characters of RFC 3454 table B.1 are removed and the non-ASCII spaces of table
/// C.1.2 become U+0020.</item>
/// <item>Normalisation (§2.2): Unicode form KC through <see cref="string.Normalize(NormalizationForm)"/>. .NET takes its
/// normalisation data from ICU; a process running in globalization-invariant mode has none, and there non-ASCII text
/// passes through unnormalised. Text typed on ordinary keyboards is already in form KC, and pure ASCII always is.</item>
/// <item>Prohibited output (§2.3): every character of tables C.1.2, C.2.1, C.2.2 and C.3 to C.9 is rejected,
/// including unpaired surrogates (C.5).</item>
/// <item>Bidirectional text (§2.4, RFC 3454 §6): when the string contains a right-to-left character (table D.1) it
/// must start and end with one; a left-to-right character (table D.2) in such a string is rejected. Table D.2 is
/// approximated by the letters and spacing marks (Unicode general categories L* and Mc) outside table D.1, which is
/// what it lists apart from a few symbols.</item>
/// </list>
/// </remarks>
internal static class SaslPrep
{
    // RFC 3454 B.1: commonly mapped to nothing.
    private static readonly int[] MappedToNothing =
    [
        0x00AD, 0x00AD, 0x034F, 0x034F, 0x1806, 0x1806, 0x180B, 0x180D, 0x200B, 0x200D, 0x2060, 0x2060,
        0xFE00, 0xFE0F, 0xFEFF, 0xFEFF,
    ];

    // RFC 3454 C.1.2: non-ASCII space characters.
    private static readonly int[] NonAsciiSpaces =
    [
        0x00A0, 0x00A0, 0x1680, 0x1680, 0x2000, 0x200B, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000,
    ];

    // RFC 3454 C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8 and C.9 as inclusive ranges (C.1.2 is checked separately).
    private static readonly int[] Prohibited =
    [
        // C.2.1 ASCII control characters
        0x0000, 0x001F, 0x007F, 0x007F,
        // C.2.2 non-ASCII control characters
        0x0080, 0x009F, 0x06DD, 0x06DD, 0x070F, 0x070F, 0x180E, 0x180E, 0x200C, 0x200D, 0x2028, 0x2029,
        0x2060, 0x2063, 0x206A, 0x206F, 0xFEFF, 0xFEFF, 0xFFF9, 0xFFFC, 0x1D173, 0x1D17A,
        // C.3 private use
        0xE000, 0xF8FF, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD,
        // C.4 non-character code points
        0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFE, 0x1FFFF, 0x2FFFE, 0x2FFFF, 0x3FFFE, 0x3FFFF, 0x4FFFE, 0x4FFFF,
        0x5FFFE, 0x5FFFF, 0x6FFFE, 0x6FFFF, 0x7FFFE, 0x7FFFF, 0x8FFFE, 0x8FFFF, 0x9FFFE, 0x9FFFF, 0xAFFFE, 0xAFFFF,
        0xBFFFE, 0xBFFFF, 0xCFFFE, 0xCFFFF, 0xDFFFE, 0xDFFFF, 0xEFFFE, 0xEFFFF, 0xFFFFE, 0xFFFFF, 0x10FFFE, 0x10FFFF,
        // C.5 surrogate codes
        0xD800, 0xDFFF,
        // C.6 inappropriate for plain text
        0xFFF9, 0xFFFD,
        // C.7 inappropriate for canonical representation
        0x2FF0, 0x2FFB,
        // C.8 change display properties or deprecated
        0x0340, 0x0341, 0x200E, 0x200F, 0x202A, 0x202E, 0x206A, 0x206F,
        // C.9 tagging characters
        0xE0001, 0xE0001, 0xE0020, 0xE007F,
    ];

    // RFC 3454 D.1: characters with bidirectional property R or AL.
    private static readonly int[] RandAL =
    [
        0x05BE, 0x05BE, 0x05C0, 0x05C0, 0x05C3, 0x05C3, 0x05D0, 0x05EA, 0x05F0, 0x05F4, 0x061B, 0x061B,
        0x061F, 0x061F, 0x0621, 0x063A, 0x0640, 0x064A, 0x066D, 0x066F, 0x0671, 0x06D5, 0x06DD, 0x06DD,
        0x06E5, 0x06E6, 0x06FA, 0x06FE, 0x0700, 0x070D, 0x0710, 0x0710, 0x0712, 0x072C, 0x0780, 0x07A5,
        0x07B1, 0x07B1, 0x200F, 0x200F, 0xFB1D, 0xFB1D, 0xFB1F, 0xFB28, 0xFB2A, 0xFB36, 0xFB38, 0xFB3C,
        0xFB3E, 0xFB3E, 0xFB40, 0xFB41, 0xFB43, 0xFB44, 0xFB46, 0xFBB1, 0xFBD3, 0xFD3D, 0xFD50, 0xFD8F,
        0xFD92, 0xFDC7, 0xFDF0, 0xFDFC, 0xFE70, 0xFE74, 0xFE76, 0xFEFC,
    ];

    /// <summary>Applies SASLprep to <paramref name="value"/>.</summary>
    /// <param name="value">The user name or password.</param>
    /// <param name="what">What the value is, for the error message (for example "Password").</param>
    /// <exception cref="SmtpException">Code 10022 when the value contains a prohibited character or breaks the
    /// bidirectional-text rules.</exception>
    public static string Prepare(string value, string what)
    {
        if (IsPrintableAscii(value))
        {
            return value; // nothing to map, already normalised, nothing prohibited
        }

        var mapped = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (char.IsSurrogate(value[i]) && !char.IsSurrogatePair(value, i))
            {
                throw Invalid(what, value[i], "is an unpaired surrogate (RFC 3454 table C.5)");
            }

            int cp = char.ConvertToUtf32(value, i);
            if (cp > 0xFFFF)
            {
                i++;
            }

            if (InRanges(MappedToNothing, cp))
            {
                continue;
            }

            if (InRanges(NonAsciiSpaces, cp))
            {
                mapped.Append(' ');
            }
            else
            {
                mapped.Append(char.ConvertFromUtf32(cp));
            }
        }

        string normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);

        bool hasRandAL = false, hasL = false;
        int first = -1, last = -1;
        for (int i = 0; i < normalized.Length; i++)
        {
            int cp = char.ConvertToUtf32(normalized, i);
            if (cp > 0xFFFF)
            {
                i++;
            }

            if (InRanges(NonAsciiSpaces, cp) || InRanges(Prohibited, cp))
            {
                throw Invalid(what, cp, "is prohibited by SASLprep (RFC 4013 §2.3)");
            }

            bool randAL = InRanges(RandAL, cp);
            hasRandAL |= randAL;
            hasL |= !randAL && IsLeftToRight(cp);
            if (first < 0)
            {
                first = cp;
            }

            last = cp;
        }

        if (hasRandAL && (hasL || !InRanges(RandAL, first) || !InRanges(RandAL, last)))
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{what} mixes right-to-left and left-to-right text in a way SASLprep forbids (RFC 3454 §6: text with " +
                "right-to-left characters must start and end with one and contain no left-to-right characters).");
        }

        return normalized;
    }

    private static bool IsPrintableAscii(string value)
    {
        foreach (char c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLeftToRight(int cp)
    {
        UnicodeCategory category = CharUnicodeInfo.GetUnicodeCategory(cp);
        return category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.SpacingCombiningMark;
    }

    private static bool InRanges(int[] ranges, int cp)
    {
        for (int i = 0; i < ranges.Length; i += 2)
        {
            if (cp >= ranges[i] && cp <= ranges[i + 1])
            {
                return true;
            }
        }

        return false;
    }

    private static SmtpException Invalid(string what, int cp, string reason) =>
        new(SmtpErrorCodes.InvalidArgument,
            $"{what} contains the character U+{cp:X4}, which {reason}; SCRAM requires SASLprep-clean text. Remove it.");
}
