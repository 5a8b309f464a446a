namespace Herald.Cli.Output;

/// <summary>The <c>--trace</c> format: the library's PITrail lines as <c>C: </c>, <c>S: </c> and <c>*  </c> lines,
/// the same shape as the project's transcript files, so a user's trace can be replayed as a test.</summary>
internal static class ProtocolTrace
{
    /// <summary>Formats one trace event.</summary>
    /// <param name="direction">0 client, 1 server, 2 a note from the library.</param>
    /// <param name="message">The line.</param>
    public static string Format(int direction, string message) => direction switch
    {
        0 => "C: ",
        1 => "S: ",
        _ => "*  ",
    } + message;

    /// <summary>
    /// Writes the component's protocol trace to <paramref name="writer"/>, with the TLS handshake's own notes (the
    /// versions offered, the server certificate's subject, issuer and verdict, then the version and cipher suite agreed)
    /// as <c>*  TLS: </c> lines where the handshake happens. A proxy's handshake, when there is one, is among the
    /// component's own notes already.
    /// </summary>
    /// <param name="smtp">The component.</param>
    /// <param name="writer">Usually stderr.</param>
    public static void Attach(Smtp smtp, TextWriter writer)
    {
        smtp.OnPITrail += (_, e) => writer.WriteLine(Format(e.Direction, e.Message));
        smtp.OnSSLStatus += (_, e) => writer.WriteLine(Format(2, "TLS: " + e.Message));
    }
}
