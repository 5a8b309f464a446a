using System.Globalization;

namespace Herald.Message;

/// <summary>The Date header value (RFC 5322 §3.3).</summary>
internal static class MessageDates
{
    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] MonthNames =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>
    /// Formats <paramref name="time"/> as <c>Sun, 22 Nov 2026 09:05:03 +0100</c>: English day and month names
    /// whatever the current culture, the day without a leading zero, a four-digit year, seconds always present and
    /// the numeric offset of <paramref name="time"/> (fractions of a second are dropped).
    /// </summary>
    /// <param name="time">The moment and the offset to show it in.</param>
    public static string Format(DateTimeOffset time)
    {
        var offset = time.Offset;
        char sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture,
            $"{DayNames[(int)time.DayOfWeek]}, {time.Day} {MonthNames[time.Month - 1]} {time.Year:D4} " +
            $"{time.Hour:D2}:{time.Minute:D2}:{time.Second:D2} {sign}{offset.Hours:D2}{offset.Minutes:D2}");
    }
}
