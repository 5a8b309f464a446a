using System.Net;
using Herald.Protocol;
using Herald.Security.Sasl;
using Herald.Transport;

namespace Herald.Engine;

internal sealed partial class SmtpEngine
{
    /// <summary>
    /// AUTH (RFC 4954) with the configured mechanism: the initial response on the AUTH line when the mechanism has
    /// one, then one base64 line per 334 challenge until 235. Secrets never reach the trace unmasked.
    /// </summary>
    private async ValueTask AuthenticateAsync<TIO>(TIO io, OperationGuard guard) where TIO : struct, ISmtpIO
    {
        var auth = Options.Auth;
        var terms = Options.Terms;
        string host = Options.Connect.Host;
        var caps = Capabilities;
        if (!caps.Auth && auth.WhenNotOffered == AuthWhenNotOffered.Skip)
        {
            Info($"The server does not announce AUTH, so the session is not authenticated (the server decides whether it " +
                "accepts the mail).");
            return;
        }
        if (!caps.Auth && auth.WhenNotOffered == AuthWhenNotOffered.Fail)
        {
            string hint = !IsSecure && Options.TlsMode == TlsMode.None
                ? $" Many servers offer AUTH only after STARTTLS: {terms.UseStartTlsForAuth}." : "";
            throw new SmtpException(SmtpErrorCodes.NotSupported,
                $"{terms.User} is set, but the server does not offer authentication (no AUTH in its EHLO reply).{hint}");
        }
        // The facade's last word on credentials and mechanisms (a BeforeAuth event); the default is to change nothing.
        auth = _events.OnBeforeAuth(auth, caps.AuthMechanisms);
        if (auth.User.Length == 0)
        {
            Info("No user name is set, so the session is not authenticated.");
            return;
        }
        if (auth.Mechanisms.Count == 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"No authentication mechanism is enabled; name at least one in {terms.AuthMechanism}.");
        }
        if (!caps.Auth)
        {
            Info($"The server does not announce AUTH; trying {auth.Mechanisms[0]} anyway, as asked.");
        }
        string name = caps.Auth ? SaslMechanisms.Pick(auth.Mechanisms, caps.AuthMechanisms, terms) : auth.Mechanisms[0];
        // XOAUTH2 and OAUTHBEARER take the token where the authorization identity would go.
        string authzid = auth.OAuthToken.Length > 0 && SaslMechanisms.UsesBearerToken(name) ? auth.OAuthToken : auth.AuthorizationIdentity;
        var credentials = new SaslCredentials(auth.User, auth.Password, authzid, host, auth.UseNtlmV2, Words: terms);
        using var mechanism = SaslMechanisms.Create(name, credentials);
        if (mechanism.SendsSecretInClear && !IsSecure && !IsLoopback() && !auth.AllowPlaintext)
        {
            throw new SmtpException(SmtpErrorCodes.NotSupported,
                $"Refusing to send the {mechanism.Name} credentials in clear text over an unencrypted connection to {host}. " +
                $"{terms.UseTlsForAuth}, or {terms.AllowPlaintextAuth} if you accept that anyone on the network path can read " +
                "the password.");
        }

        _step = $"authenticating (AUTH {mechanism.Name})";
        string? initial = null;
        if (mechanism.HasInitialResponse)
        {
            // RFC 4954 §4: an empty initial response is sent as "=".
            byte[] first = mechanism.GetInitialResponse();
            initial = first.Length == 0 ? "=" : Convert.ToBase64String(first);
        }
        string command = SmtpCommands.Auth(mechanism.Name, initial);
        var reply = await CommandAsync(io, guard, command,
            initial is not null ? $"AUTH {mechanism.Name} ****" : null).ConfigureAwait(false);
        while (reply.Code == 334)
        {
            byte[] response;
            try
            {
                response = mechanism.Respond(DecodeChallenge(reply));
            }
            catch (Exception e) when (e is SaslException or FormatException)
            {
                // RFC 4954 §4: "*" cancels the exchange; the server answers 501.
                var cancel = await CommandAsync(io, guard, "*", "*", TraceDirection.ClientData).ConfigureAwait(false);
                throw new SmtpException(SmtpErrorCodes.ProtocolError,
                    $"Authentication ({mechanism.Name}) was abandoned: {e.Message} The server answered the cancellation with: {cancel}", cancel);
            }
            string line = Convert.ToBase64String(response);
            reply = await CommandAsync(io, guard, line, line.Length > 0 ? "****" : null, TraceDirection.ClientData)
                .ConfigureAwait(false);
        }
        if (reply.Code != 235)
        {
            string detail = mechanism.ServerError is { Length: > 0 } error ? $" (the server's error details: {error})" : "";
            throw new SmtpException(SmtpErrorCodes.ProtocolError,
                $"Authentication ({mechanism.Name}) as \"{auth.User}\" failed: {reply}{detail}", reply);
        }
        if (mechanism.RequiresServerVerification && !mechanism.ServerVerified)
        {
            _connection?.Abort();
            throw new SmtpException(SmtpErrorCodes.ProtocolError,
                $"The server accepted {mechanism.Name} authentication without proving that it knows the password " +
                "(no valid server signature); it may be an impostor, so the connection was closed.");
        }
        IsAuthenticated = true;
        _diag.Authenticated(auth.User, mechanism.Name);
        Info($"Authenticated as \"{auth.User}\" with {mechanism.Name}.");
    }

    /// <summary>The base64 challenge of a 334 reply; a bare 334 is an empty challenge.</summary>
    private static byte[] DecodeChallenge(SmtpReply reply)
    {
        string text = reply.Lines[0].Trim();
        return text.Length == 0 ? [] : Convert.FromBase64String(text);
    }

    private bool IsLoopback() =>
        IPAddress.TryParse(RemoteAddress, out var address) ? IPAddress.IsLoopback(address)
        : Options.Connect.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase);
}
