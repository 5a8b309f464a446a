using System.Net.Security;
using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class GssapiMechanismTests
{
    private static readonly SaslCredentials User = new("user@EXAMPLE.TEST", "", "", "mail.example.test");

    [Fact]
    public void FullExchangeEndsWithAWrappedNoSecurityLayerChoice()
    {
        var context = new FakeContext(
            (NegotiateAuthenticationStatusCode.ContinueNeeded, "AP-REQ"),
            (NegotiateAuthenticationStatusCode.Completed, ""));
        using var gssapi = new GssapiMechanism(User with { AuthorizationIdentity = "admin" }, _ => context);

        Assert.True(gssapi.HasInitialResponse);
        Assert.Equal("AP-REQ", Text(gssapi.GetInitialResponse()));
        // The server's AP-REP completes the context; with no token left the client answers with an empty response.
        Assert.Empty(gssapi.Respond(Bytes("AP-REP")));
        Assert.Equal(["", "AP-REP"], context.ReceivedTokens);
        Assert.False(gssapi.IsComplete);

        // RFC 4752 §3.1: the server offers layers 0x07 (none, integrity, privacy) and a 4096-byte maximum...
        byte[] reply = gssapi.Respond(FakeContext.Wrapped([0x07, 0x00, 0x10, 0x00]));

        // ...and the client chooses "no security layer" (0x01) with size 0, then the authorization identity.
        Assert.Equal(FakeContext.Wrapped([0x01, 0x00, 0x00, 0x00, .. Bytes("admin")]), reply);
        Assert.True(gssapi.IsComplete);
        Assert.True(gssapi.RequiresServerVerification);
        Assert.True(gssapi.ServerVerified);
        Assert.False(gssapi.SendsSecretInClear);
    }

    [Fact]
    public void SeveralContextRoundsAreRelayed()
    {
        var context = new FakeContext(
            (NegotiateAuthenticationStatusCode.ContinueNeeded, "t1"),
            (NegotiateAuthenticationStatusCode.ContinueNeeded, "t2"),
            (NegotiateAuthenticationStatusCode.Completed, "t3"));
        using var gssapi = new GssapiMechanism(User, _ => context);

        Assert.Equal("t1", Text(gssapi.Respond([]))); // no initial response sent: the empty challenge asks for it
        Assert.Equal("t2", Text(gssapi.Respond(Bytes("s1"))));
        Assert.Equal("t3", Text(gssapi.Respond(Bytes("s2"))));
        Assert.Equal(FakeContext.Wrapped([0x01, 0, 0, 0]), gssapi.Respond(FakeContext.Wrapped([0x01, 0, 0, 0])));
        Assert.True(gssapi.IsComplete);
    }

    [Fact]
    public void WithoutMutualAuthenticationTheServerIsNotVerified()
    {
        var context = new FakeContext(
            (NegotiateAuthenticationStatusCode.ContinueNeeded, "t1"),
            (NegotiateAuthenticationStatusCode.Completed, "")) { Mutual = false };
        using var gssapi = new GssapiMechanism(User, _ => context);
        gssapi.GetInitialResponse();
        gssapi.Respond(Bytes("s1"));
        gssapi.Respond(FakeContext.Wrapped([0x01, 0, 0, 0]));

        Assert.True(gssapi.IsComplete);
        Assert.False(gssapi.ServerVerified);
    }

    [Theory]
    [InlineData(new byte[] { 0x06, 0x00, 0x10, 0x00 })] // integrity and privacy only
    [InlineData(new byte[] { 0x01, 0x00, 0x00 })] // too short
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x00, 0x00 })] // too long
    public void UnacceptableSecurityLayerOffersAreRejected(byte[] offer)
    {
        var context = new FakeContext((NegotiateAuthenticationStatusCode.Completed, "t1"));
        using var gssapi = new GssapiMechanism(User, _ => context);
        gssapi.GetInitialResponse();

        Assert.Throws<SaslException>(() => gssapi.Respond(FakeContext.Wrapped(offer)));
        Assert.False(gssapi.IsComplete);
    }

    [Fact]
    public void OfferThatFailsTheIntegrityCheckIsRejected()
    {
        var context = new FakeContext((NegotiateAuthenticationStatusCode.Completed, "t1"));
        using var gssapi = new GssapiMechanism(User, _ => context);
        gssapi.GetInitialResponse();

        Assert.Throws<SaslException>(() => gssapi.Respond([0x01, 0x00, 0x00, 0x00]));
    }

    [Fact]
    public void ServerTokenRejectedByTheLibraryIsASaslError()
    {
        var context = new FakeContext(
            (NegotiateAuthenticationStatusCode.ContinueNeeded, "t1"),
            (NegotiateAuthenticationStatusCode.InvalidToken, ""));
        using var gssapi = new GssapiMechanism(User, _ => context);
        gssapi.GetInitialResponse();

        var error = Assert.Throws<SaslException>(() => gssapi.Respond(Bytes("garbage")));
        Assert.Contains("InvalidToken", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingCredentialsAtTheStartAreNotSupported()
    {
        var context = new FakeContext((NegotiateAuthenticationStatusCode.UnknownCredentials, ""));
        using var gssapi = new GssapiMechanism(User, _ => context);

        var error = Assert.Throws<SmtpException>(() => gssapi.GetInitialResponse());
        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains("kinit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownServicePrincipalIsNamed()
    {
        var context = new FakeContext((NegotiateAuthenticationStatusCode.TargetUnknown, ""));
        using var gssapi = new GssapiMechanism(User, _ => context);

        var error = Assert.Throws<SmtpException>(() => gssapi.GetInitialResponse());
        Assert.Contains("smtp/mail.example.test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingGssapiLibraryIsNotSupported()
    {
        using var gssapi = new GssapiMechanism(User,
            _ => throw new DllNotFoundException("libgssapi_krb5.so.2: cannot open shared object file"));

        var error = Assert.Throws<SmtpException>(() => gssapi.GetInitialResponse());
        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains("libgssapi_krb5.so.2", error.Message, StringComparison.Ordinal);
        Assert.IsType<DllNotFoundException>(error.InnerException);
    }

    [Fact]
    public void RealLibraryWithoutAReachableKdcFailsWithAClearError()
    {
        // No KDC serves the reserved .invalid realm anywhere, so the system GSS-API library (or its absence) must
        // make the mechanism fail cleanly before anything is sent.
        var credentials = new SaslCredentials("nobody@HERALD.INVALID", "not-a-password", "", "mail.herald.invalid");
        using var gssapi = new GssapiMechanism(credentials);

        var error = Assert.Throws<SmtpException>(() => gssapi.GetInitialResponse());
        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.StartsWith("AUTH GSSAPI (Kerberos)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecurityLayerReplyBytes()
    {
        Assert.Equal([0x01, 0x00, 0x00, 0x00], GssapiMechanism.BuildSecurityLayerReply([0x01, 0xFF, 0xFF, 0xFF], ""));
        Assert.Equal([0x01, 0x00, 0x00, 0x00, 0xC3, 0xA9], GssapiMechanism.BuildSecurityLayerReply([0x05, 0, 4, 0], "é"));
    }

    [Fact]
    public void MissingHostIsAConfigurationError()
    {
        var error = Assert.Throws<SmtpException>(() => new GssapiMechanism(User with { Host = "" }));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }

    [Fact]
    public void ChallengeAfterCompletionIsRejected()
    {
        var context = new FakeContext((NegotiateAuthenticationStatusCode.Completed, "t1"));
        using var gssapi = new GssapiMechanism(User, _ => context);
        gssapi.GetInitialResponse();
        gssapi.Respond(FakeContext.Wrapped([0x01, 0, 0, 0]));

        Assert.Throws<SaslException>(() => gssapi.Respond(FakeContext.Wrapped([0x01, 0, 0, 0])));
    }

    [Fact]
    public void DisposeReleasesTheContext()
    {
        var context = new FakeContext((NegotiateAuthenticationStatusCode.ContinueNeeded, "t1"));
        var gssapi = new GssapiMechanism(User, _ => context);
        gssapi.GetInitialResponse();

        gssapi.Dispose();

        Assert.True(context.Disposed);
    }

    /// <summary>
    /// A scripted GSS-API context: each step returns the next scripted status and token; "wrapping" brackets the data
    /// with 'W(' and ')' so the tests can see exactly which bytes went through GSS_Wrap and GSS_Unwrap.
    /// </summary>
    private sealed class FakeContext : IGssapiContext
    {
        private readonly Queue<(NegotiateAuthenticationStatusCode Status, string Token)> _steps;

        public FakeContext(params (NegotiateAuthenticationStatusCode Status, string Token)[] steps) => _steps = new(steps);

        public List<string> ReceivedTokens { get; } = [];

        public bool Mutual { get; init; } = true;

        public bool Disposed { get; private set; }

        public bool IsMutuallyAuthenticated => Mutual && _steps.Count == 0;

        public static byte[] Wrapped(byte[] data) => [.. "W("u8, .. data, (byte)')'];

        public NegotiateAuthenticationStatusCode Step(ReadOnlySpan<byte> incomingToken, out byte[] outgoingToken)
        {
            ReceivedTokens.Add(Text(incomingToken.ToArray()));
            var (status, token) = _steps.Dequeue();
            outgoingToken = Bytes(token);
            return status;
        }

        public NegotiateAuthenticationStatusCode Unwrap(ReadOnlySpan<byte> message, out byte[] data)
        {
            if (message.Length < 3 || !message.StartsWith("W("u8) || message[^1] != ')')
            {
                data = [];
                return NegotiateAuthenticationStatusCode.MessageAltered;
            }

            data = message[2..^1].ToArray();
            return NegotiateAuthenticationStatusCode.Completed;
        }

        public NegotiateAuthenticationStatusCode Wrap(ReadOnlySpan<byte> data, out byte[] message)
        {
            message = Wrapped(data.ToArray());
            return NegotiateAuthenticationStatusCode.Completed;
        }

        public void Dispose() => Disposed = true;
    }
}
