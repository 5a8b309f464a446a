using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
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
        var json = CommandActions.JsonOption();
        var showUntrusted = new Option<bool>("--show-untrusted-certificate")
        {
            Description = "When the server's certificate cannot be verified, print it (subject, issuer, validity, SHA-256 "
                          + "fingerprint and PEM) so you can decide whether to trust it or its CA with --ca. The exit code "
                          + "stays 77 when the certificate was refused.",
        };
        var command = new Command("probe",
            "Connect to a server and show what it offers: greeting, TLS version and cipher, certificate, and the EHLO " +
            "extensions with what each one means. Sends no mail.");
        connection.AddTo(command);
        command.Options.Add(showUntrusted);
        command.Options.Add(json);
        CommandActions.SetReported(command, env, json, async (result, report, cancellationToken) =>
        {
            var settings = connection.Resolve(result, env);
            var server = ConnectionOptions.RequireServer(settings, "probe");
            using var smtp = new Smtp();
            // Probing sends nothing secret: under --tls auto a server without STARTTLS, or with a certificate that cannot
            // be verified, is reported rather than refused.
            var plan = connection.Apply(result, smtp, server, env, settings);
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
            try
            {
                return await ServerSession.RunAsync(smtp, plan, env, cancellationToken, () =>
                {
                    if (report is not null)
                    {
                        Describe(smtp, plan, greeting, report, result.GetValue(showUntrusted));
                    }
                    else
                    {
                        env.Out.Write(Render(smtp, plan, greeting));
                    }
                    return Task.CompletedTask;
                }, warnIfUnencrypted: false, report: report).ConfigureAwait(false);
            }
            finally
            {
                // Also (above all) when the certificate was refused: that is when a person wants to look at it.
                if (plan.Certificate is { Verified: false } untrusted && result.GetValue(showUntrusted))
                {
                    if (report is not null)
                    {
                        report["greeting"] = JsonReport.Array(greeting);
                        report["certificate"] = Certificate(untrusted, withPem: true);
                    }
                    else
                    {
                        env.Out.Write(RenderUntrusted(untrusted));
                    }
                }
            }
        });
        return command;
    }

    private static string Render(Smtp smtp, ConnectionPlan plan, List<string> greeting)
    {
        var caps = smtp.ServerCapabilities;
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
        return o.ToString();
    }

    /// <summary>The probe's members of the <c>--json</c> report.</summary>
    private static void Describe(Smtp smtp, ConnectionPlan plan, List<string> greeting, JsonReport report, bool withPem)
    {
        var caps = smtp.ServerCapabilities;
        report["greeting"] = JsonReport.Array(greeting);
        report["certificate"] = plan.Certificate is { } certificate ? Certificate(certificate, withPem && !certificate.Verified) : null;
        report["extended"] = caps.IsExtended;
        report["ehloName"] = caps.IsExtended ? caps.ServerDomain : null;
        var capabilities = new JsonArray();
        foreach (var (keyword, value, meaning) in caps.IsExtended ? CapabilityTable.Rows(caps) : [])
        {
            capabilities.Add(new JsonObject
            {
                ["keyword"] = keyword,
                ["parameters"] = value == "yes" ? "" : value,
                ["meaning"] = meaning,
            });
        }
        report["capabilities"] = capabilities;
    }

    private static JsonObject Certificate(ServerCertificateSeen seen, bool withPem)
    {
        using var x509 = X509CertificateLoader.LoadCertificate(seen.Der);
        return new JsonObject
        {
            ["subject"] = seen.Subject,
            ["issuer"] = seen.Issuer,
            ["verified"] = seen.Verified,
            ["status"] = seen.Status,
            ["notBefore"] = x509.NotBefore.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["notAfter"] = x509.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["sha256"] = Fingerprint(seen.Der),
            ["pem"] = withPem ? x509.ExportCertificatePem() + "\n" : null,
        };
    }

    /// <summary>The refused certificate for a person: the facts to judge it by, then the PEM to trust it with --ca.</summary>
    private static string RenderUntrusted(ServerCertificateSeen seen)
    {
        using var x509 = X509CertificateLoader.LoadCertificate(seen.Der);
        var o = new StringBuilder();
        o.Append('\n').Append("The server's certificate was NOT verified: ").Append(seen.Status).Append('\n');
        o.Append("Subject      ").Append(seen.Subject).Append('\n');
        o.Append("Issuer       ").Append(seen.Issuer).Append('\n');
        const string format = "yyyy-MM-dd HH:mm 'UTC'";
        o.Append("Valid        ").Append(x509.NotBefore.ToUniversalTime().ToString(format, CultureInfo.InvariantCulture))
            .Append(" to ").Append(x509.NotAfter.ToUniversalTime().ToString(format, CultureInfo.InvariantCulture)).Append('\n');
        o.Append("SHA-256      ").Append(Fingerprint(seen.Der)).Append('\n');
        o.Append("Check the fingerprint with the server's administrator before trusting it (save the PEM below and pass it "
                 + "with --ca; better, the CA that issued it).\n");
        o.Append(x509.ExportCertificatePem()).Append('\n');
        return o.ToString();
    }

    private static string Fingerprint(byte[] der) => Convert.ToHexString(SHA256.HashData(der)).Chunk(2)
        .Select(pair => new string(pair)).Aggregate((a, b) => a + ":" + b);
}
