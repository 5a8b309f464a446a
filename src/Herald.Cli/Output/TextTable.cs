using System.Text;

namespace Herald.Cli.Output;

/// <summary>Rows as aligned columns under a heading line, two spaces apart, with no trailing spaces.</summary>
internal static class TextTable
{
    /// <summary>Formats the table.</summary>
    /// <param name="heading">The column names.</param>
    /// <param name="rows">The cells, one array per row.</param>
    /// <param name="rightAligned">The columns holding numbers.</param>
    public static string Format(string[] heading, IEnumerable<string[]> rows, params int[] rightAligned)
    {
        var all = new List<string[]> { heading };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, heading.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in all)
        {
            for (int c = 0; c < heading.Length; c++)
            {
                bool last = c == heading.Length - 1;
                sb.Append(rightAligned.Contains(c) ? row[c].PadLeft(widths[c]) : last ? row[c] : row[c].PadRight(widths[c]));
                if (!last)
                {
                    sb.Append("  ");
                }
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
