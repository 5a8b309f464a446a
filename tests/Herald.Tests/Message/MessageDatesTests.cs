using System.Globalization;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Herald.Message;
using Xunit;

namespace Herald.Tests.Message;

public class MessageDatesTests
{
    private static readonly Regex Rfc5322Date = new(
        @"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) " +
        @"(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$");

    [Theory]
    [InlineData(2026, 11, 22, 9, 5, 3, 60, "Sun, 22 Nov 2026 09:05:03 +0100")]
    [InlineData(2003, 7, 1, 10, 52, 37, 120, "Tue, 1 Jul 2003 10:52:37 +0200")]
    [InlineData(1999, 12, 31, 23, 59, 59, 0, "Fri, 31 Dec 1999 23:59:59 +0000")]
    [InlineData(2026, 11, 22, 0, 0, 0, -210, "Sun, 22 Nov 2026 00:00:00 -0330")]
    [InlineData(2026, 11, 22, 12, 0, 0, 14 * 60, "Sun, 22 Nov 2026 12:00:00 +1400")]
    public void Formats_rfc5322_dates(int y, int mo, int d, int h, int mi, int s, int offsetMinutes, string expected)
    {
        var time = new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.FromMinutes(offsetMinutes));
        Assert.Equal(expected, MessageDates.Format(time));
    }

    [Fact]
    public void Fractions_of_a_second_are_dropped()
    {
        var time = new DateTimeOffset(2026, 11, 22, 9, 5, 3, 999, TimeSpan.Zero);
        Assert.Equal("Sun, 22 Nov 2026 09:05:03 +0000", MessageDates.Format(time));
    }

    [Fact]
    public void English_names_whatever_the_current_culture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.DateTimeFormat.AbbreviatedDayNames = ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"];
        culture.DateTimeFormat.AbbreviatedMonthNames =
            ["Jän", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez", ""];
        culture.DateTimeFormat.TimeSeparator = ".";
        culture.NumberFormat.NegativeSign = "~";
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            var time = new DateTimeOffset(2026, 3, 1, 7, 8, 9, TimeSpan.FromHours(-5));
            Assert.Equal("Sun, 1 Mar 2026 07:08:09 -0500", MessageDates.Format(time));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Property_every_date_has_the_rfc5322_shape_and_reads_back_to_the_same_second()
    {
        var times = Gen.Choose(0, int.MaxValue).Zip(Gen.Choose(-14 * 60, 14 * 60))
            .Select(t => new DateTimeOffset(new DateTime(2000, 1, 1).AddSeconds(t.Item1 * 2.0), TimeSpan.FromMinutes(t.Item2)));
        Prop.ForAll(times.ToArbitrary(), time =>
        {
            var match = Rfc5322Date.Match(MessageDates.Format(time));
            if (!match.Success)
            {
                return false;
            }
            int month = Array.IndexOf(CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedMonthNames, match.Groups[3].Value) + 1;
            var offset = new TimeSpan(int.Parse(match.Groups[9].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[10].Value, CultureInfo.InvariantCulture), 0);
            var read = new DateTimeOffset(
                int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture), month,
                int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[6].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[7].Value, CultureInfo.InvariantCulture),
                match.Groups[8].Value == "-" ? -offset : offset);
            return read == time && read.Offset == time.Offset
                && match.Groups[1].Value == time.DayOfWeek.ToString()[..3];
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }
}
