using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using Herald.Cli.Capture;
using Herald.Cli.Options;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald capture</c>: runs the capture server in the foreground until Ctrl+C, so other programs can be pointed at
/// it. Each saved message's path goes to stdout on a line of its own (easy to script); the rest goes to stderr.
/// </summary>
internal static class CaptureCommand
{
    /// <summary>The port used when --port is not given (a common choice for test SMTP servers).</summary>
    public const int DefaultPort = 2525;

    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    /// <param name="started">Called with the running server (tests use it to learn the port).</param>
    public static Command Create(CliEnvironment env, Action<CaptureServer>? started = null)
    {
        var port = new Option<int>("--port")
        {
            HelpName = "PORT",
            Description = $"The port on 127.0.0.1 to listen on (default {DefaultPort}; 0 picks a free port).",
            DefaultValueFactory = _ => DefaultPort,
        };
        port.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= 65535)
            {
                return n;
            }
            r.AddError($"--port takes a port number from 0 to 65535, not \"{text}\".");
            return 0;
        };
        var captureDir = new Option<string?>("--capture-dir")
        {
            HelpName = "DIR",
            Description = "Where to save messages (default $HERALD_CAPTURE_DIR, else $XDG_DATA_HOME/herald/capture).",
        };
        var command = new Command("capture",
            "Run Herald's capture server in the foreground: an SMTP server on 127.0.0.1 that saves every message it " +
            "receives as an .eml file and relays nothing. Prints each saved file's path; stop it with Ctrl+C.");
        command.Options.Add(port);
        command.Options.Add(captureDir);
        CommandActions.Set(command, env, async (result, cancellationToken) =>
        {
            int requested = result.GetValue(port);
            string directory = result.GetValue(captureDir) ?? CapturePaths.Default(env);
            CaptureServer server;
            try
            {
                server = CaptureServer.Start(new CaptureServerOptions { Directory = directory, Port = requested });
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new CliException(ExitCodes.Unavailable,
                    $"Port {requested} on 127.0.0.1 is already in use. Choose another with --port, or --port 0 for any free port.", e);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
            {
                throw new CliException(ExitCodes.NoPermission,
                    $"Not allowed to listen on port {requested} (ports below 1024 need privileges). Choose another with --port.", e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.CannotCreate, $"Cannot use the capture folder {directory}: {e.Message}", e);
            }
            await using (server.ConfigureAwait(false))
            {
                var gate = new object(); // sessions run in parallel; keep each message's lines together
                server.MessageSaved += m =>
                {
                    lock (gate)
                    {
                        env.Out.WriteLine(m.Path);
                        env.Out.Flush();
                        string from = m.ReversePath.Length == 0 ? "<>" : m.ReversePath;
                        env.Error.WriteLine($"  from {from} to {string.Join(", ", m.Recipients)} ({m.Size} bytes)");
                    }
                };
                server.SessionFailed += e => env.Warn($"a client session failed: {e.Message}");
                env.Error.WriteLine($"Herald capture server listening on {server.EndPoint}; saving messages to {server.Directory}");
                env.Error.WriteLine("Nothing is relayed. Press Ctrl+C to stop.");
                started?.Invoke(server);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C: the normal way to stop.
                }
            }
            env.Error.WriteLine("Capture server stopped.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
