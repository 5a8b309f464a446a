namespace Herald.Tests.Infrastructure;

/// <summary>A line the fake server received, as a handler sees it.</summary>
internal sealed class FakeCommand
{
    private readonly Func<FakeCommand, FakeAction> _builtIn;

    internal FakeCommand(FakeSession session, string line, string verb, string argument, FakeMessage? message,
        Func<FakeCommand, FakeAction> builtIn)
    {
        Session = session;
        Line = line;
        Verb = verb;
        Argument = argument;
        Message = message;
        _builtIn = builtIn;
    }

    /// <summary>The connection the line arrived on.</summary>
    public FakeSession Session { get; }

    /// <summary>The whole line, without its line end.</summary>
    public string Line { get; }

    /// <summary>
    /// The command word in upper case (<c>MAIL</c>), <c>"."</c> for the end of DATA, or empty for a line that
    /// answers a <see cref="FakeAction.Continue"/> challenge.
    /// </summary>
    public string Verb { get; }

    /// <summary>Everything after the command word and its space (<c>FROM:&lt;a@b&gt; SIZE=10</c>).</summary>
    public string Argument { get; }

    /// <summary>For <c>"."</c> and <c>BDAT</c>: the message as received so far.</summary>
    public FakeMessage? Message { get; }

    /// <summary>
    /// The server's built-in answer to this command, for a handler that only wants to change timing or add to it:
    /// <c>cmd =&gt; FakeAction.Delay(TimeSpan.FromSeconds(2), cmd.BuiltIn())</c>.
    /// </summary>
    public FakeAction BuiltIn() => _builtIn(this);
}
