namespace Herald.Security.Sasl;

/// <summary>
/// The client side of one SASL mechanism as a state machine with no I/O. The engine drives it over RFC 4954
/// <c>AUTH</c>: it sends <c>AUTH Name [initial response]</c>, hands every decoded <c>334</c> challenge to
/// <see cref="Respond"/> and sends back what it returns, until the server answers <c>235</c> (or an error).
/// </summary>
internal abstract class SaslMechanism : IDisposable
{
    /// <summary>The mechanism's registered wire name, for example <c>SCRAM-SHA-256</c>.</summary>
    public abstract string Name { get; }

    /// <summary>True when the first response goes on the <c>AUTH</c> line itself (RFC 4954 §4 initial response).</summary>
    public abstract bool HasInitialResponse { get; }

    /// <summary>
    /// True when the mechanism sends the secret itself (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER): the engine refuses to use
    /// such a mechanism over an unencrypted connection to a host that is not a loopback address.
    /// </summary>
    public abstract bool SendsSecretInClear { get; }

    /// <summary>True when the mechanism expects no more challenges.</summary>
    public virtual bool IsComplete { get; protected set; }

    /// <summary>
    /// True when the mechanism authenticates the server too (SCRAM's server signature, DIGEST-MD5's rspauth, Kerberos
    /// mutual authentication). The engine refuses a <c>235</c> for such a mechanism until <see cref="ServerVerified"/>
    /// is true, so a server that skips its proof cannot pose as the real one.
    /// </summary>
    public virtual bool RequiresServerVerification => false;

    /// <summary>True once the server's proof has been received and checked.</summary>
    public virtual bool ServerVerified => false;

    /// <summary>
    /// For XOAUTH2 and OAUTHBEARER: the decoded JSON error the server sent in its error challenge, so the engine can
    /// put it into the exception it throws for the following failure reply; null when there was none.
    /// </summary>
    public virtual string? ServerError => null;

    /// <summary>The initial response for the <c>AUTH</c> line. Called only when <see cref="HasInitialResponse"/> is
    /// true, and at most once.</summary>
    /// <exception cref="SmtpException">Code 10022 or 10045 when the credentials or the platform cannot support the
    /// mechanism.</exception>
    /// <exception cref="InvalidOperationException">The mechanism has no initial response, or it was already taken.</exception>
    public abstract byte[] GetInitialResponse();

    /// <summary>
    /// Answers one server challenge (the decoded payload of a <c>334</c> reply; an empty span for a bare
    /// <c>334</c>). The engine base64-encodes the returned bytes, which may be empty, and sends them as one line.
    /// </summary>
    /// <param name="challenge">The decoded challenge.</param>
    /// <exception cref="SaslException">The challenge is malformed, unexpected, or carries a wrong server proof.</exception>
    /// <exception cref="SmtpException">Code 10022 or 10045 when the credentials or the platform cannot support the
    /// mechanism.</exception>
    public abstract byte[] Respond(ReadOnlySpan<byte> challenge);

    /// <summary>Forgets the secrets the mechanism derived.</summary>
    public virtual void Dispose()
    {
    }

    /// <summary>The error for a challenge that arrives after the mechanism has said everything it had to say.</summary>
    private protected SaslException UnexpectedChallenge() =>
        new($"The server sent another AUTH {Name} challenge after the exchange was complete; the server is not " +
            "following the mechanism's protocol.");

    /// <summary>The error for a second request for the initial response.</summary>
    private protected InvalidOperationException InitialResponseAlreadyTaken() =>
        new($"The AUTH {Name} initial response was already produced.");
}
