using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Herald.Cli.Capture;
using Herald.Cli.Options;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald capture</c>: runs the capture server in the foreground until Ctrl+C, so other programs can be pointed at
/// it. Each saved message's path goes to stdout on a line of its own (easy to script); the rest goes to stderr.
/// <c>herald capture list</c> and <c>herald capture show N</c> read what it saved.
/// </summary>
internal static class CaptureCommand
{
    /// <summary>The port used when --port is not given (a common choice for test SMTP servers).</summary>
    public const int DefaultPort = 2525;

    /// <summary>Creates the command and its <c>list</c> and <c>show</c> subcommands.</summary>
    /// <param name="env">The process environment.</param>
    /// <param name="started">Called with the running server (tests use it to learn the port).</param>
    public static Command Create(CliEnvironment env, Action<CaptureServer>? started = null)
    {
        var port = PortOption("--port", $"The port on 127.0.0.1 to listen on (default {DefaultPort}; 0 picks a free port).");
        port.DefaultValueFactory = _ => DefaultPort;
        var tlsPort = PortOption("--tls-port",
            "Also listen on this port with TLS from the first byte (implicit TLS, as on port 465); 0 picks a free port.");
        var noTls = new Option<bool>("--no-tls")
        {
            Description = "Offer no STARTTLS (for a client that starts TLS whenever it is offered and cannot be told to " +
                          "trust the capture server's certificate).",
        };
        var captureDir = CaptureDirOption();
        var command = new Command("capture",
            "Run Herald's capture server in the foreground: an SMTP server on 127.0.0.1 that saves every message it " +
            "receives as an .eml file and relays nothing. It offers STARTTLS with a certificate it makes on first start " +
            "(clients trust tls/ca.pem in the capture folder) and accepts AUTH PLAIN and LOGIN with any password, " +
            "recording the user name. Prints each saved file's path; stop it with Ctrl+C.");
        command.Options.Add(port);
        command.Options.Add(tlsPort);
        command.Options.Add(noTls);
        command.Options.Add(captureDir);
        command.Subcommands.Add(ListCommand(env));
        command.Subcommands.Add(ShowCommand(env));
        CommandActions.Set(command, env, async (result, cancellationToken) =>
        {
            int requested = result.GetValue(port);
            int? requestedTls = result.GetResult(tlsPort) is null ? null : result.GetValue(tlsPort);
            bool tls = !result.GetValue(noTls);
            if (!tls && requestedTls is not null)
            {
                throw CliException.Usage("--tls-port needs TLS; leave out --no-tls.");
            }
            string directory = result.GetValue(captureDir) ?? CapturePaths.Default(env);
            CaptureCertificate? certificate = null;
            CaptureServer server;
            try
            {
                if (tls)
                {
                    certificate = CaptureCertificate.LoadOrCreate(directory, "localhost", DateTimeOffset.UtcNow);
                }
                server = CaptureServer.Start(new CaptureServerOptions
                {
                    Directory = directory,
                    Port = requested,
                    TlsCertificate = certificate?.Context,
                    ImplicitTlsPort = requestedTls,
                });
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                certificate?.Dispose();
                throw new CliException(ExitCodes.Unavailable,
                    $"Port {(requestedTls is int t && t != 0 ? $"{requested} or {t}" : requested)} on 127.0.0.1 is already in " +
                    "use. Choose another with --port (or --tls-port), or 0 for any free port.", e);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
            {
                certificate?.Dispose();
                throw new CliException(ExitCodes.NoPermission,
                    $"Not allowed to listen on port {requested} (ports below 1024 need privileges). Choose another with --port.", e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                certificate?.Dispose();
                throw new CliException(ExitCodes.CannotCreate, $"Cannot use the capture folder {directory}: {e.Message}", e);
            }
            using (certificate)
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
                        string user = m.User is null ? "" : $", user {m.User}";
                        env.Error.WriteLine($"  from {from} to {string.Join(", ", m.Recipients)} ({m.Size} bytes{user})");
                    }
                };
                server.SessionFailed += e => env.Warn(e is CaptureTlsException
                    ? $"{e.Message}. A client must trust {certificate?.AuthorityPath} (or be told to accept the server certificate)."
                    : $"a client session failed: {e.Message}");
                string listening = certificate is null ? $"{server.EndPoint}" : $"{server.EndPoint} (STARTTLS)";
                if (server.ImplicitTlsEndPoint is { } implicitTls)
                {
                    listening += $" and {implicitTls} (TLS)";
                }
                env.Error.WriteLine($"Herald capture server listening on {listening}; saving messages to {server.Directory}");
                if (certificate is not null)
                {
                    env.Error.WriteLine(
                        $"TLS certificate {(certificate.Created ? "made" : "reused")}: clients trust {certificate.AuthorityPath} " +
                        $"(expires {certificate.Server.NotAfter.ToUniversalTime():yyyy-MM-dd}).");
                }
                env.Error.WriteLine("AUTH PLAIN and LOGIN accept any user name and password. Nothing is relayed. Press Ctrl+C to stop.");
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

    /// <summary><c>herald capture list</c>: one line per saved message.</summary>
    private static Command ListCommand(CliEnvironment env)
    {
        var captureDir = CaptureDirOption();
        var command = new Command("list",
            "List the messages the capture server saved, oldest first: number, time, envelope sender and recipients, " +
            "subject, size in bytes and the user name the client logged in with ('-' when it did not).");
        command.Options.Add(captureDir);
        CommandActions.Set(command, env, (result, _) =>
        {
            string directory = Path.GetFullPath(result.GetValue(captureDir) ?? CapturePaths.Default(env));
            var messages = Read(() => CaptureFolder.List(directory), directory);
            if (messages.Count == 0)
            {
                env.Error.WriteLine($"No saved messages in {directory}.");
                return Task.FromResult(ExitCodes.Ok);
            }
            env.Out.Write(Table(messages));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary><c>herald capture show N</c>: the saved message, byte for byte.</summary>
    private static Command ShowCommand(CliEnvironment env)
    {
        var number = new Argument<int>("N") { Description = "The message number, as 'herald capture list' shows it." };
        var captureDir = CaptureDirOption();
        var command = new Command("show",
            "Print a saved message as it was saved: the capture server's lines (envelope, user, TLS) and then the " +
            "message exactly as received.");
        command.Arguments.Add(number);
        command.Options.Add(captureDir);
        CommandActions.Set(command, env, async (result, cancellationToken) =>
        {
            string directory = Path.GetFullPath(result.GetValue(captureDir) ?? CapturePaths.Default(env));
            int n = result.GetValue(number);
            int count = 0;
            string? path = Read(() => CaptureFolder.PathOf(directory, n, out count), directory);
            if (path is null)
            {
                throw new CliException(ExitCodes.NoInput, count == 0
                    ? $"There is no message {n}: {directory} holds no saved messages."
                    : $"There is no message {n}: {directory} holds messages 1 to {count} (see 'herald capture list').");
            }
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 64 * 1024, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                if (env.OpenOutput is { } open)
                {
                    await env.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                    var output = open();
                    await using (output.ConfigureAwait(false))
                    {
                        await file.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    using var reader = new StreamReader(file, Encoding.UTF8);
                    var buffer = new char[16 * 1024];
                    int read;
                    while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        await env.Out.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }
                    await env.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The list as aligned columns under a heading line.</summary>
    internal static string Table(IReadOnlyList<SavedMessage> messages)
    {
        const int subjectWidth = 50;
        var rows = new List<string[]> { new[] { "#", "TIME", "FROM", "TO", "SUBJECT", "SIZE", "USER" } };
        foreach (var m in messages)
        {
            string subject = m.Subject.Length > subjectWidth ? m.Subject[..(subjectWidth - 3)] + "..." : m.Subject;
            rows.Add(
            [
                m.Number.ToString(CultureInfo.InvariantCulture),
                m.ReceivedUtc.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                m.ReversePath.Length == 0 ? "<>" : m.ReversePath,
                string.Join(", ", m.Recipients),
                subject.Length == 0 ? "-" : subject,
                m.Size.ToString(CultureInfo.InvariantCulture),
                m.User ?? "-",
            ]);
        }
        int columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            for (int c = 0; c < columns; c++)
            {
                bool last = c == columns - 1;
                // Numbers are right-aligned (# and SIZE), text left-aligned; no trailing spaces on the last column.
                string cell = c is 0 or 5 ? row[c].PadLeft(widths[c]) : last ? row[c] : row[c].PadRight(widths[c]);
                sb.Append(cell);
                if (!last)
                {
                    sb.Append("  ");
                }
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static T Read<T>(Func<T> read, string directory)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.NoInput, $"Cannot read the capture folder {directory}: {e.Message}", e);
        }
    }

    private static Option<string?> CaptureDirOption() => new("--capture-dir")
    {
        HelpName = "DIR",
        Description = "The capture folder (default $HERALD_CAPTURE_DIR, else $XDG_DATA_HOME/herald/capture).",
    };

    private static Option<int> PortOption(string name, string description)
    {
        var option = new Option<int>(name) { HelpName = "PORT", Description = description };
        option.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= 65535)
            {
                return n;
            }
            r.AddError($"{name} takes a port number from 0 to 65535, not \"{text}\".");
            return 0;
        };
        return option;
    }
}
