using System.Net.Security;
using System.Runtime.ExceptionServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Security.Certificates;
using Herald.Transport;

namespace Herald.Security.Tls;

/// <summary>
/// The client side of a TLS handshake with every TLS setting applied: used right after the TCP connection for
/// implicit TLS, and after the <c>220</c> reply to <c>STARTTLS</c> for explicit TLS (RFC 3207 §4; the SMTP side of
/// STARTTLS is the engine's).
/// </summary>
internal static class TlsClient
{
    /// <summary>Runs the handshake over <paramref name="inner"/>.</summary>
    /// <param name="io">The sync or async adapter.</param>
    /// <param name="inner">The connected transport stream. The TLS stream takes ownership of it: when the handshake
    /// itself fails, both are disposed; when a setting is refused before the handshake starts, it is left untouched.</param>
    /// <param name="targetHost">The server name as the user gave it: sent as SNI and checked against the certificate.</param>
    /// <param name="settings">The TLS options.</param>
    /// <param name="callbacks">Where the certificate decision and status notes go.</param>
    /// <param name="guard">The operation's timeout/interrupt guard.</param>
    /// <returns>The established session.</returns>
    /// <exception cref="SmtpException">276 the handshake failed; 280 the server certificate was rejected; 10022 or
    /// 10045 a TLS setting is invalid or unsupported (before anything is sent); 272 the client certificate has no usable
    /// private key; 303 the key log file cannot be opened; 201/301 timeout or interrupt.</exception>
    /// <exception cref="OperationCanceledException">The caller's token was cancelled.</exception>
    public static async ValueTask<TlsSession> AuthenticateAsync<TIO>(TIO io, Stream inner, string targetHost, TlsOptions settings,
        ITlsCallbacks callbacks, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        var plan = TlsPlan.Create(settings);
        string host = NormalizeHost(targetHost);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = plan.Protocols,
            // Revocation is checked by Herald's own chain (CRL/OCSP options), so the platform's pre-built chain
            // does not fetch anything.
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowTlsResume = settings.AllowResume,
            AllowRenegotiation = settings.AllowRenegotiation,
            EncryptionPolicy = EncryptionPolicy.RequireEncryption,
        };
        if (plan.CipherSuites is { } suites)
        {
            options.CipherSuitesPolicy = CreatePolicy(suites, settings.Terms);
        }
        if (plan.ClientCertificate is { } clientCertificate)
        {
            options.ClientCertificateContext = CreateContext(clientCertificate, plan.ClientChain, settings.Terms);
        }

        foreach (string note in plan.Notes)
        {
            callbacks.OnStatus(note);
        }
        var keyLog = settings.KeyLogFile.Length > 0 ? KeyLogSession.Open(settings.KeyLogFile, settings.Terms.KeyLogFile) : null;
        var state = new HandshakeState(host, settings, callbacks);
        options.RemoteCertificateValidationCallback = state.Validate;
        var terms = settings.Terms;
        if (settings.AllowResume && (plan.ClientCertificate is not null || plan.CipherSuites is not null))
        {
            callbacks.OnStatus($"{terms.ReuseSession} is on, but .NET resumes only sessions made without a client certificate " +
                $"({terms.ClientCertificate}) and without a cipher-suite restriction ({terms.CipherSuites}/{terms.CipherStrength}); " +
                "this one will not be resumed.");
        }
        if (plan.ClientCertificate is null && !settings.AllowResume)
        {
            // Only to notice a certificate request; .NET does not cache (so never resumes) sessions made with a
            // selection callback, hence not when resumption is allowed.
            options.LocalCertificateSelectionCallback = state.SelectNoCertificate;
        }
        Stream transport = inner;
        KeyLogHookStream? hook = null;
        if (keyLog is not null)
        {
            hook = new KeyLogHookStream(inner, keyLog);
            transport = hook;
        }
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        if (hook is not null)
        {
            hook.Owner = ssl;
        }

        callbacks.OnStatus($"Starting the TLS handshake with {host}: {DescribeProtocols(plan.Protocols)}, cipher suites " +
            (plan.CipherSuites is null ? "platform default" : string.Join(", ", plan.CipherSuites)) +
            (plan.ClientCertificate is null ? "" : $", client certificate '{plan.ClientCertificate.Subject}'") + ".");
        try
        {
            await io.AuthenticateAsClientAsync(ssl, options, guard.Token).ConfigureAwait(false);
            guard.Touch();
            state.EnsureValidated(ssl);
            var session = BuildSession(ssl, host, state, settings, plan);
            if (keyLog is not null)
            {
                keyLog.Dispose();
                callbacks.OnStatus(keyLog.WriteError is null
                    ? $"Session secrets written to {terms.KeyLogFile} '{keyLog.Path}' ({keyLog.Lines} lines)."
                    : $"Writing {terms.KeyLogFile} '{keyLog.Path}' failed: {keyLog.WriteError.Message}");
            }
            callbacks.OnStatus(session.Describe());
            return session;
        }
        catch (Exception e) when (e is not SmtpException)
        {
            ssl.Dispose();
            keyLog?.Dispose();
            state.Dispose();
            throw Translate(e, state, guard, host, plan, settings.Terms);
        }
        catch (SmtpException)
        {
            ssl.Dispose();
            keyLog?.Dispose();
            state.Dispose();
            throw;
        }
    }

    /// <summary>The host as .NET and the name check take it: no brackets around an IPv6 literal, no trailing dot.</summary>
    /// <param name="host">The server name as given.</param>
    internal static string NormalizeHost(string host) => host.Trim().TrimStart('[').TrimEnd(']').TrimEnd('.');

    private static CipherSuitesPolicy CreatePolicy(IReadOnlyList<TlsCipherSuite> suites, SettingTerms terms)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new SmtpException(SmtpErrorCodes.NotSupported,
                $"{terms.CipherSuites} and {terms.CipherStrength} need .NET's CipherSuitesPolicy, which Windows does not " +
                $"support (it works on Linux and macOS). Clear {terms.CipherSuites} and {terms.CipherStrength}, and restrict " +
                "suites in the Windows TLS configuration instead.");
        }
        return new CipherSuitesPolicy(suites);
    }

    private static SslStreamCertificateContext CreateContext(X509Certificate2 certificate, X509Certificate2Collection chain,
        SettingTerms terms)
    {
        try
        {
            // offline: the chain is what the store and the extra chain certificates hold; nothing is downloaded.
            return SslStreamCertificateContext.Create(certificate, chain, offline: true);
        }
        catch (Exception e) when (e is CryptographicException or NotSupportedException or ArgumentException)
        {
            throw new SmtpException(SmtpErrorCodes.CertNotFound,
                $"{terms.ClientCertificate} '{certificate.Subject}' cannot be used as a client certificate: {e.Message}", e);
        }
    }

    private static TlsSession BuildSession(SslStream ssl, string host, HandshakeState state, TlsOptions settings, TlsPlan plan)
    {
        var validation = state.Validation!;
        var suite = ssl.NegotiatedCipherSuite;
        var info = CipherSuiteInfo.From(suite);
        var terms = settings.Terms;
        if (settings.MinCipherStrength > 0 && info.CipherStrength < settings.MinCipherStrength)
        {
            throw new SmtpException(SmtpErrorCodes.TlsHandshakeError,
                $"The negotiated cipher suite {suite} has a {info.CipherStrength}-bit cipher, below {terms.CipherStrength} " +
                $"({settings.MinCipherStrength}). Lower {terms.CipherStrength}, or use a server that supports stronger ciphers.");
        }
        var leaf = state.Leaf!;
        int serverKeyBits = CertificateDetails.PublicKeyBits(leaf);
        var native = PlatformTls.Describe(ssl);
        string group = native?.Group ?? "";
        string keyExchange = info.IsTls13
            ? group.StartsWith("ffdhe", StringComparison.Ordinal) ? "DHE" : group.Length > 0 ? "ECDHE" : "(EC)DHE"
            : info.KeyExchange;
        int keyExchangeBits = native?.KeyBits ?? 0;
        if (keyExchangeBits == 0 && keyExchange == "RSA")
        {
            keyExchangeBits = serverKeyBits;
        }
        string authentication = info.IsTls13 ? CertificateDetails.KeyAlgorithmName(leaf.PublicKey.Oid) : info.Authentication;
        bool sent = ssl.LocalCertificate is not null;
        var presented = new X509Certificate2Collection { leaf };
        foreach (var extra in state.Presented)
        {
            // The platform's extra store holds the server's own certificate as well; it is listed once, first.
            if (!extra.RawData.AsSpan().SequenceEqual(leaf.RawData))
            {
                presented.Add(extra);
            }
        }
        string acceptedBy = validation.Verdict.Accept && !settings.HandlerDecides
            ? validation.Verdict.Problems.Count > 0 ? terms.PinnedCertificate ?? "pinned certificate" : "validation"
            : terms.CertificateEvent ?? "application";
        CheckGroup(group, keyExchange, settings);
        var session = new TlsSession
        {
            Stream = ssl,
            TargetHost = host,
            Protocol = ssl.SslProtocol,
            Version = TlsPlan.VersionName(ssl.SslProtocol),
            CipherSuiteId = suite,
            CipherSuite = suite.ToString(),
            Cipher = info.Cipher,
            CipherStrength = info.CipherStrength,
            CipherBlockSize = info.BlockSize,
            Hash = info.Hash,
            KeyExchange = keyExchange,
            KeyExchangeStrength = keyExchangeBits,
            KeyExchangeGroup = group,
            Authentication = authentication,
            PeerSignatureScheme = native?.SignatureScheme ?? "",
            Aead = info.Aead,
            Pfs = info.Pfs,
            Exportable = info.Exportable,
            IsResumed = native?.Resumed ?? false,
            ClientCertificateSent = sent,
            // With a certificate configured OpenSSL sends it whenever asked; without one, the selection callback tells.
            ClientCertificateRequested = plan.ClientCertificate is null ? state.ClientCertificateRequested : sent,
            ServerCertificate = leaf,
            ServerPublicKeyBits = serverKeyBits,
            ServerChain = validation.ChainCertificates(),
            PresentedCertificates = presented,
            ValidationStatus = validation.Verdict.Status,
            ValidationPassed = validation.Verdict.Accept && validation.Verdict.Problems.Count == 0,
            AcceptedBy = acceptedBy,
            TrustSource = validation.TrustSource,
            Facts = validation.Facts,
            Verdict = validation.Verdict,
            ValidationLog = validation.Log,
        };
        state.Dispose();
        return session;
    }

    /// <summary>
    /// Enforces <see cref="TlsOptions.AllowedGroups"/> after the handshake: .NET cannot restrict the groups a client
    /// offers, but it can refuse to go on over one that is not allowed.
    /// </summary>
    private static void CheckGroup(string group, string keyExchange, TlsOptions settings)
    {
        if (settings.AllowedGroups.Count == 0)
        {
            return;
        }
        var terms = settings.Terms;
        string list = terms.KeyExchangeGroups ?? "the allowed key-exchange groups";
        if (group.Length == 0)
        {
            if (keyExchange is "RSA" or "PSK")
            {
                return; // no group was negotiated: nothing to restrict
            }
            throw new SmtpException(SmtpErrorCodes.NotSupported,
                $"{list} is set, but the platform TLS library does not tell which key-exchange group was negotiated, so " +
                $"the restriction cannot be checked; the connection was closed. Clear {list} to connect.");
        }
        if (!settings.AllowedGroups.Contains(group, StringComparer.OrdinalIgnoreCase))
        {
            throw new SmtpException(SmtpErrorCodes.TlsHandshakeError,
                $"The server negotiated the key-exchange group {group}, which is not in {list} " +
                $"({string.Join(", ", settings.AllowedGroups)}); the connection was closed. The platform TLS library offers its " +
                $"own list of groups, so {list} can only refuse a group afterwards: add {group} to it, or clear it.");
        }
    }

    private static Exception Translate(Exception e, HandshakeState state, OperationGuard guard, string host, TlsPlan plan,
        SettingTerms terms)
    {
        if (guard.StoppedException(e) is { } stopped)
        {
            return stopped;
        }
        if (state.CallbackException is { } callbackError)
        {
            // The event handler's own exception surfaces unchanged.
            ExceptionDispatchInfo.Throw(callbackError);
        }
        if (Find<KeyLogUnavailableException>(e) is { } keyLogError)
        {
            return new SmtpException(SmtpErrorCodes.NotSupported, $"{terms.KeyLogFile}: {keyLogError.Message}", e);
        }
        if (state.Rejection is { } rejection)
        {
            return new SmtpException(SmtpErrorCodes.CertVerificationError, rejection, e);
        }
        string reason = Reason(e);
        var hints = new List<string>();
        if (plan.ClientCertificate is null && state.ClientCertificateRequested)
        {
            hints.Add($"the server asked for a client certificate and none is set ({terms.ClientCertificate})");
        }
#pragma warning disable SYSLIB0039
        if ((plan.Protocols & (SslProtocols.Tls12 | SslProtocols.Tls13)) == 0)
        {
            hints.Add("only TLS 1.0/1.1 are enabled, which the platform's TLS configuration may refuse");
        }
#pragma warning restore SYSLIB0039
        hints.Add($"check that the server speaks TLS at this point of the connection (implicit TLS is usually port 465, " +
            $"STARTTLS ports 25/587) and that it supports one of the enabled versions ({DescribeProtocols(plan.Protocols)})" +
            (plan.CipherSuites is null ? "" : $" and cipher suites ({terms.CipherSuites}/{terms.CipherStrength})"));
        return new SmtpException(SmtpErrorCodes.TlsHandshakeError,
            $"The TLS handshake with {host} failed: {reason}. Hint: {string.Join("; ", hints)}.", e);
    }

    private static string Reason(Exception e)
    {
        var messages = new List<string>();
        for (var current = e; current is not null; current = current.InnerException)
        {
            string text = current.Message.Trim().TrimEnd('.');
            if (text.Length > 0 && !messages.Any(m => m.Contains(text, StringComparison.Ordinal)))
            {
                messages.Add(text);
            }
        }
        return messages.Count == 0 ? e.GetType().Name : string.Join(": ", messages);
    }

    private static T? Find<T>(Exception e) where T : Exception
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }
        return null;
    }

    private static string DescribeProtocols(SslProtocols protocols)
    {
        var names = new List<string>();
#pragma warning disable SYSLIB0039
        foreach (var p in new[] { SslProtocols.Tls, SslProtocols.Tls11, SslProtocols.Tls12, SslProtocols.Tls13 })
#pragma warning restore SYSLIB0039
        {
            if ((protocols & p) != 0)
            {
                names.Add(TlsPlan.VersionName(p));
            }
        }
        return string.Join("/", names);
    }

    /// <summary>What the handshake's callbacks observed, and the certificate decision.</summary>
    private sealed class HandshakeState(string host, TlsOptions settings, ITlsCallbacks callbacks) : IDisposable
    {
        public ServerCertificateValidation? Validation { get; private set; }
        public X509Certificate2? Leaf { get; private set; }
        public X509Certificate2Collection Presented { get; } = [];
        public Exception? CallbackException { get; private set; }
        public string? Rejection { get; private set; }
        public bool ClientCertificateRequested { get; private set; }

        public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            try
            {
                if (certificate is null)
                {
                    Rejection = $"The server {host} sent no certificate, so it cannot be authenticated.";
                    return false;
                }
                var protocol = SslProtocols.None;
                try
                {
                    protocol = ((SslStream)sender).SslProtocol;
                }
                catch (InvalidOperationException)
                {
                    // Not known yet: the TLS 1.2 signature list applies.
                }
                // Copies: the callback's objects belong to the stream and may be released after it returns.
                Leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                Presented.Clear();
                if (chain is not null)
                {
                    foreach (var extra in chain.ChainPolicy.ExtraStore)
                    {
                        Presented.Add(X509CertificateLoader.LoadCertificate(extra.RawData));
                    }
                }
                return Decide(protocol);
            }
            catch (Exception e)
            {
                CallbackException = e;
                return false;
            }
        }

        public X509Certificate SelectNoCertificate(object sender, string targetHost, X509CertificateCollection localCertificates,
            X509Certificate? remoteCertificate, string[] acceptableIssuers)
        {
            // .NET asks once before the handshake (no remote certificate yet) and again when the server sends a
            // CertificateRequest; the second call is how a request is noticed when no client certificate is set.
            if (remoteCertificate is not null && !ClientCertificateRequested)
            {
                ClientCertificateRequested = true;
                try
                {
                    callbacks.OnStatus($"The server asked for a client certificate; none is set ({settings.Terms.ClientCertificate}), " +
                        "so none is sent.");
                }
                catch (Exception e)
                {
                    // Surfaces after the handshake fails, like an exception from the certificate event.
                    CallbackException ??= e;
                    throw;
                }
            }
            return null!;
        }

        /// <summary>Runs the decision after the handshake if the platform did not call <see cref="Validate"/>.</summary>
        public void EnsureValidated(SslStream ssl)
        {
            if (Validation is not null)
            {
                return;
            }
            var remote = ssl.RemoteCertificate ?? throw new SmtpException(SmtpErrorCodes.CertVerificationError,
                $"The server {host} sent no certificate, so it cannot be authenticated.");
            Leaf = X509CertificateLoader.LoadCertificate(remote.GetRawCertData());
            if (!Decide(ssl.SslProtocol))
            {
                throw new SmtpException(SmtpErrorCodes.CertVerificationError, Rejection ?? "The server certificate was rejected.");
            }
        }

        public void Dispose() => Validation?.Dispose();

        /// <summary>Who overrode the validation's verdict, at the start of a sentence.</summary>
        private static string Decider(SettingTerms terms) =>
            terms.CertificateEvent is { } name ? $"The {name} event handler" : "The application";

        private bool Decide(SslProtocols protocol)
        {
            Validation?.Dispose();
            var validation = ServerCertificateValidator.Validate(Leaf!, Presented, host, settings, protocol, DateTime.UtcNow);
            Validation = validation;
            var verdict = validation.Verdict;
            callbacks.OnStatus($"Server certificate: {Leaf!.Subject}, issued by {Leaf.Issuer}, valid until " +
                $"{CertificateDetails.FormatDate(Leaf.NotAfter)}: {verdict.Status}");
            bool handlerDecides = settings.HandlerDecides;
            bool accept = callbacks.OnServerCertificate(Leaf, validation, !handlerDecides && verdict.Accept);
            var terms = settings.Terms;
            if (verdict.Blocked)
            {
                // A blocked certificate is refused whatever the event said.
                Rejection = $"The server certificate for '{host}' ({Leaf.Subject}) was rejected: {verdict.Status}. {verdict.Hint(terms)}";
                callbacks.OnStatus(Rejection);
                return false;
            }
            if (!accept)
            {
                Rejection = handlerDecides
                    ? $"The server certificate for '{host}' ({Leaf.Subject}) was not accepted: with {terms.HandlerDecides} only the " +
                      $"{terms.CertificateEvent ?? "application"} event decides, and no handler set Accept. Validation found: " +
                      $"{verdict.Status}."
                    : verdict.Accept
                    ? $"{Decider(settings.Terms)} rejected the server certificate for '{host}' " +
                      $"({Leaf.Subject}), although it passed validation (status: {verdict.Status})."
                    : $"The server certificate for '{host}' ({Leaf.Subject}) was rejected: {verdict.Status}. " +
                      verdict.Hint(terms);
                callbacks.OnStatus(Rejection);
            }
            else if (!verdict.Accept || handlerDecides)
            {
                callbacks.OnStatus($"{Decider(settings.Terms)} accepted the server certificate" +
                    (verdict.Accept ? "." : " despite: " + verdict.Status));
            }
            return accept;
        }
    }
}
