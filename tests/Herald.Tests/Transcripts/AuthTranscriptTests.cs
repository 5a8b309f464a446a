using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.FacadeDriver;

namespace Herald.Tests.Transcripts;

/// <summary>
/// AUTH (RFC 4954) with every mechanism the library has, as far as a fixed server can play it: mechanisms whose
/// responses hold a random client nonce (DIGEST-MD5, SCRAM, NTLMv2) match it with <c>{any}</c>, and their full
/// exchanges (where the server must compute an answer from that nonce) run against the fake server in the loopback
/// tier. Also: failures, cancellation with "*", masking of secrets in the trace, and the plaintext refusal. Through
/// both facades: Smtp chooses with AuthMechanism, SmtpClient with config Authentications (and AUTH continuation lines
/// reach its trace as command data).
/// </summary>
public class AuthTranscriptTests
{
    private static Action<IFacadeDriver> Login(string user = "alice", string password = "s3cret", string mechanism = "PLAIN,LOGIN") =>
        driver => driver.SetAuth(user, password, mechanism);

    private static Func<IFacadeDriver, bool, Task> ConnectsAndDisconnects => async (driver, isAsync) =>
    {
        await driver.Connect(isAsync);
        Assert.True(driver.Connected);
        await driver.Disconnect(isAsync);
    };

    private static Action<IFacadeDriver> Remote(Action<IFacadeDriver> login, ReplayTransportFactory factory) => driver =>
    {
        login(driver);
        driver.SetServer("mail.example.org");
        factory.RemoteAddress = "203.0.113.25";
    };

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task PlainSendsTheInitialResponseAndMasksItInTheTrace(Facade facade, ReplayMode mode)
    {
        return FacadeDriver.Run("auth-plain.smtp", facade, mode, Login(), async (driver, isAsync) =>
        {
            var trace = driver.Trace;
            await ConnectsAndDisconnects(driver, isAsync);
            Assert.Contains("0: AUTH PLAIN ****", trace);
            Assert.DoesNotContain(trace, l => l.Contains("AGFsaWNlAHMzY3JldA==", StringComparison.Ordinal));
            Assert.Contains(trace, l =>
                l.StartsWith("2: ", StringComparison.Ordinal) && l.Contains("Authenticated as \"alice\"", StringComparison.Ordinal));
        });
    }

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task MaskSensitiveDataFalseShowsTheSecretInTheTrace(Facade facade, ReplayMode mode)
    {
        return FacadeDriver.Run("auth-plain.smtp", facade, mode, driver =>
        {
            Login()(driver);
            driver.Config("MaskSensitiveData=False");
        }, async (driver, isAsync) =>
        {
            await ConnectsAndDisconnects(driver, isAsync);
            Assert.Contains("0: AUTH PLAIN AGFsaWNlAHMzY3JldA==", driver.Trace);
        });
    }

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task LoginAnswersEachPromptAndMasksBothLines(Facade facade, ReplayMode mode)
    {
        return FacadeDriver.Run("auth-login.smtp", facade, mode, Login(), async (driver, isAsync) =>
        {
            var trace = driver.Trace;
            await ConnectsAndDisconnects(driver, isAsync);
            int auth = trace.IndexOf("0: AUTH LOGIN");
            Assert.Equal(["0: AUTH LOGIN", "1: 334 VXNlcm5hbWU6", "0: ****", "1: 334 UGFzc3dvcmQ6", "0: ****"], trace.Skip(auth).Take(5));
        });
    }

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task LoginLinesAreShownWhenMaskingIsOff(Facade facade, ReplayMode mode)
    {
        return FacadeDriver.Run("auth-login.smtp", facade, mode, driver =>
        {
            Login()(driver);
            driver.Config("MaskSensitiveData=no");
        }, async (driver, isAsync) =>
        {
            await ConnectsAndDisconnects(driver, isAsync);
            Assert.Contains("0: YWxpY2U=", driver.Trace);
            Assert.Contains("0: czNjcmV0", driver.Trace);
        });
    }

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task LoginAnswersBare334Prompts(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-login-bare.smtp", facade, mode, Login(), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task LoginAnswersByOrderWhenThePromptsAreSwapped(Facade facade, ReplayMode mode)
    {
        return FacadeDriver.Run("auth-login-swapped.smtp", facade, mode, Login(), async (driver, isAsync) =>
        {
            var trace = driver.Trace;
            await ConnectsAndDisconnects(driver, isAsync);
            int auth = trace.IndexOf("0: AUTH LOGIN");
            Assert.Equal(["0: AUTH LOGIN", "1: 334 UGFzc3dvcmQ6", "0: ****", "1: 334 VXNlcm5hbWU6", "0: ****"], trace.Skip(auth).Take(5));
        });
    }

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task LoginAnswersLocalisedPrompts(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-login-localised.smtp", facade, mode, Login(mechanism: "LOGIN"), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ALoginThirdChallengeIsCancelledWithAStar(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-login-third-challenge.smtp", facade, mode, Login(), async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(501, e.ReplyCode);
            Assert.Contains("LOGIN", e.Message);
            Assert.Contains("another AUTH LOGIN challenge", e.Message);
            Assert.False(driver.Connected);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task CramMd5AnswersTheChallenge(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-cram-md5.smtp", facade, mode, Login("tim", "tanstaaftanstaaf", "CRAM-MD5"), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task AMalformedChallengeIsCancelledWithAStar(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-cram-md5-malformed.smtp", facade, mode, Login("tim", "tanstaaftanstaaf", "CRAM-MD5"),
            async (driver, isAsync) =>
            {
                var e = await ConnectFails(driver, isAsync);
                Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
                Assert.Equal(501, e.ReplyCode);
                Assert.Contains("CRAM-MD5", e.Message);
                Assert.False(driver.Connected);
            });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task DigestMd5RefusesAServerThatSkipsItsProof(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-digest-md5-no-rspauth.smtp", facade, mode, Login(mechanism: "DIGEST-MD5"), async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Contains("DIGEST-MD5", e.Message);
            Assert.Contains("impostor", e.Message);
            Assert.False(driver.Connected);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task DigestMd5CancelsOnAWrongServerProof(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-digest-md5-wrong-rspauth.smtp", facade, mode, Login(mechanism: "DIGEST-MD5"), async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(501, e.ReplyCode);
            Assert.Contains("abandoned", e.Message);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ScramCancelsAServerFirstMessageWithAForeignNonce(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-scram-foreign-nonce.smtp", facade, mode, Login(mechanism: "SCRAM-SHA-256"), async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(501, e.ReplyCode);
            Assert.Contains("SCRAM-SHA-256", e.Message);
            Assert.Contains("nonce", e.Message);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task ScramSha1RefusedFailsWithTheReply(Facade facade, ReplayMode mode)
    {
        return FacadeDriver.Run("auth-scram-sha1-refused.smtp", facade, mode, Login(mechanism: "SCRAM-SHA-1"), async (driver, isAsync) =>
        {
            var trace = driver.Trace;
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(535, e.ReplyCode);
            Assert.Equal("5.7.8", e.EnhancedStatusCode);
            // The client-first message holds no secret, but the AUTH line is masked all the same.
            Assert.Contains("0: AUTH SCRAM-SHA-1 ****", trace);
        });
    }

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task NtlmSendsNegotiateThenAuthenticate(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-ntlm.smtp", facade, mode, Login(@"EXAMPLE\alice", mechanism: "NTLM"), ConnectsAndDisconnects);

    private static Action<IFacadeDriver> OAuth(string mechanism, string token) => driver =>
        driver.SetAuth("alice@example.org", token, mechanism);

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task XOAuth2SendsUserAndTokenWithoutAPassword(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-xoauth2.smtp", facade, mode, OAuth("XOAUTH2", "Bearer ya29.token"), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task XOAuth2AnswersTheErrorChallengeEmptyAndReportsTheJson(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-xoauth2-error.smtp", facade, mode, OAuth("XOAUTH2", "ya29.token"), async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(535, e.ReplyCode);
            Assert.Equal("5.7.8", e.EnhancedStatusCode);
            Assert.Contains("\"status\":\"401\"", e.Message);
            Assert.Contains("https://mail.google.com/", e.Message);
            Assert.False(driver.Connected);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task OAuthBearerSendsTheGs2HeaderHostAndToken(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-oauthbearer.smtp", facade, mode, OAuth("OAUTHBEARER", "ya29.token"), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task OAuthBearerAnswersTheErrorChallengeWithCtrlA(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-oauthbearer-error.smtp", facade, mode, OAuth("OAUTHBEARER", "ya29.token"), async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(535, e.ReplyCode);
            Assert.Contains("invalid_token", e.Message);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task RefusalsFailTheConnectWithTheReplyAndTheComponentConnectsAgain(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-failures.smtp", facade, mode, Login(), async (driver, isAsync) =>
        {
            foreach (var (code, enhanced) in new[] { (535, "5.7.8"), (454, "4.7.0"), (534, "5.7.9") })
            {
                var e = await ConnectFails(driver, isAsync);
                Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
                Assert.Equal(code, e.ReplyCode);
                Assert.Equal(enhanced, e.EnhancedStatusCode);
                Assert.Contains("\"alice\"", e.Message);
                Assert.Contains(e.ServerReply, e.Message);
                Assert.DoesNotContain("s3cret", e.Message);
                Assert.Equal(e.ServerReply, driver.LastReply); // the refusal, not the goodbye that followed
                Assert.False(driver.Connected);
            }
            await ConnectsAndDisconnects(driver, isAsync);
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task AMechanismTheServerDoesNotOfferIsNotSupported(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-not-offered.smtp", facade, mode, Login(mechanism: "CRAM-MD5"), async (driver, isAsync) =>
        {
            var e = await ConnectFails(driver, isAsync);
            Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
            Assert.Contains("CRAM-MD5", e.Message);
            Assert.Contains("PLAIN", e.Message); // what it does offer
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task AServerWithoutAuthFailsSmtpAndSmtpClientGoesOnWithoutLoggingIn(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-none-offered.smtp", facade, mode, Login(), async (driver, isAsync) =>
        {
            if (facade == Facade.Smtp)
            {
                var e = await ConnectFails(driver, isAsync);
                Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
                Assert.Contains("does not offer authentication", e.Message);
                return;
            }
            // SmtpClient logs in only where the server announces AUTH (config ForceLogin tries anyway).
            await ConnectsAndDisconnects(driver, isAsync);
            Assert.Contains(driver.Trace, l => l.StartsWith("2: The server does not announce AUTH", StringComparison.Ordinal));
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task PlainOverPlaintextToARemoteHostIsRefused(Facade facade, ReplayMode mode) =>
        RunWithFactory("auth-plain-refused-in-clear.smtp", facade, mode, (driver, factory) => Remote(Login(), factory)(driver),
            async (driver, isAsync) =>
            {
                var e = await ConnectFails(driver, isAsync);
                Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
                Assert.Contains("clear text", e.Message);
                Assert.Contains("InsecureAllowPlaintextAuth", e.Message);
            });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task InsecureAllowPlaintextAuthLetsPlainGoToARemoteHost(Facade facade, ReplayMode mode) =>
        RunWithFactory("auth-plain.smtp", facade, mode, (driver, factory) =>
        {
            Remote(Login(), factory)(driver);
            driver.Config("InsecureAllowPlaintextAuth=True");
        }, ConnectsAndDisconnects);

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task CramMd5NeedsNoEncryptionToARemoteHost(Facade facade, ReplayMode mode) =>
        RunWithFactory("auth-cram-md5.smtp", facade, mode,
            (driver, factory) => Remote(Login("tim", "tanstaaftanstaaf", "CRAM-MD5"), factory)(driver), ConnectsAndDisconnects);

    // ---- An ordered mechanism list (Smtp's config AuthMechanisms, SmtpClient's config Authentications) ----

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task AMechanismListTakesTheFirstOfferedNameOfTheList(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-mechanisms-scram-offered.smtp", facade, mode,
            Login(mechanism: "SCRAM-SHA-256, scram-sha-1,PLAIN,LOGIN"), async (driver, isAsync) =>
            {
                var e = await ConnectFails(driver, isAsync);
                Assert.Equal(535, e.ReplyCode);
                Assert.Contains("0: AUTH SCRAM-SHA-1 ****", driver.Trace);
            });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task AMechanismListFallsBackAlongTheListToPlain(Facade facade, ReplayMode mode) =>
        // auth-plain.smtp offers PLAIN LOGIN CRAM-MD5 and no SCRAM.
        FacadeDriver.Run("auth-plain.smtp", facade, mode, Login(mechanism: "SCRAM-SHA-256,SCRAM-SHA-1,PLAIN,LOGIN"),
            ConnectsAndDisconnects);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AnEmptyAuthMechanismsGivesAuthMechanismBack(ReplayMode mode) =>
        SmtpTranscriptTests.Run("auth-cram-md5.smtp", mode, smtp =>
        {
            smtp.User = "tim";
            smtp.Password = "tanstaaftanstaaf";
            smtp.AuthMechanism = SmtpAuthMechanisms.amCRAMMD5;
            smtp.Config("AuthMechanisms=PLAIN");
            smtp.Config("AuthMechanisms=");
        }, async (smtp, isAsync) =>
        {
            await SmtpTranscriptTests.Call(isAsync, smtp.Connect, () => smtp.ConnectAsync());
            await SmtpTranscriptTests.Call(isAsync, smtp.Disconnect, () => smtp.DisconnectAsync());
        });

    [Theory, MemberData(nameof(FacadeModes.All), MemberType = typeof(FacadeModes))]
    public Task MechanismsThatTheServerDoesNotOfferFailBeforeAnyAuth(Facade facade, ReplayMode mode) =>
        FacadeDriver.Run("auth-mechanisms-none-offered.smtp", facade, mode, Login(mechanism: "SCRAM-SHA-256,PLAIN"),
            async (driver, isAsync) =>
            {
                var e = await ConnectFails(driver, isAsync);
                Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
                Assert.Contains("SCRAM-SHA-256 or PLAIN", e.Message);
                Assert.Contains("It offers: CRAM-MD5 DIGEST-MD5", e.Message);
                Assert.Contains(facade == Facade.Smtp ? "AuthMechanism" : "config Authentications", e.Message);
            });
}
