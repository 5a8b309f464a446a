using System.CommandLine;
using System.Text;
using Herald.Cli.Options;
using Herald.Cli.Output;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald probe</c>: connects, shows the greeting, the TLS session and the EHLO capabilities as a table, and
/// disconnects without sending anything.
/// </summary>
internal static class ProbeCommand
{
    /// <summary>Creates the command.</summary>
    /// <param name="env">The process environment.</param>
    public static Command Create(CliEnvironment env)
    {
        var connection = new ConnectionOptions(withAuth: false);
        var command = new Command("probe",
            "Connect to a server and show what it offers: greeting, TLS version and cipher, certificate, and the EHLO " +
            "extensions with what each one means. Sends no mail.");
        connection.AddTo(command);
        CommandActions.Set(command, env, async (result, cancellationToken) =>
        {
            var server = connection.RequireServer(result, env, "probe");
            using var smtp = new Smtp();
            // Probing sends nothing secret: under --tls auto a server without STARTTLS, or with a certificate that cannot
            // be verified, is reported rather than refused.
            var plan = connection.Apply(result, smtp, server, env);
            var greeting = new List<string>();
            bool greeted = false;
            smtp.OnPITrail += (_, e) =>
            {
                if (e.Direction == 0)
                {
                    greeted = true;
                }
                else if (e.Direction == 1 && !greeted)
                {
                    greeting.Add(e.Message);
                }
            };
            return await ServerSession.RunAsync(smtp, plan, env, cancellationToken, () =>
            {
                var caps = smtp.Engine.Capabilities;
                string version = smtp.Config("SSLNegotiatedVersion");
                string? tls = version.Length == 0 ? null : $"{version}, {smtp.Config("SSLNegotiatedCipherSuite")}";
                var o = new StringBuilder();
                o.Append("Server       ").Append(plan.Display).Append('\n');
                o.Append("Greeting     ").Append(string.Join("\n             ", greeting)).Append('\n');
                o.Append("TLS          ").Append(tls ?? (caps.StartTls
                    ? "none (the server offers STARTTLS; use --tls starttls)"
                    : plan.Opportunistic ? "none: the server does not offer STARTTLS" : "none")).Append('\n');
                if (plan.Certificate is { } certificate)
                {
                    o.Append("Certificate  ").Append(certificate.Subject).Append("; issued by ").Append(certificate.Issuer)
                        .Append(certificate.Verified ? "" : $" (NOT verified: {certificate.Status})").Append('\n');
                }
                if (!caps.IsExtended)
                {
                    o.Append("Extensions   none: the server does not speak ESMTP (it refused EHLO)\n");
                }
                else
                {
                    o.Append("EHLO name    ").Append(caps.ServerDomain).Append('\n');
                    o.Append('\n').Append(CapabilityTable.Render(caps));
                }
                env.Out.Write(o.ToString());
                return Task.CompletedTask;
            }, warnIfUnencrypted: false).ConfigureAwait(false);
        });
        return command;
    }
}
