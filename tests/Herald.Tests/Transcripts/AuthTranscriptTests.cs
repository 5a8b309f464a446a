using Herald.Tests.Infrastructure;
using Xunit;
using static Herald.Tests.Transcripts.SmtpTranscriptTests;

namespace Herald.Tests.Transcripts;

/// <summary>
/// AUTH (RFC 4954) with every mechanism the library has, as far as a fixed server can play it: mechanisms whose
/// responses hold a random client nonce (DIGEST-MD5, SCRAM, NTLMv2) match it with <c>{any}</c>, and their full
/// exchanges (where the server must compute an answer from that nonce) run against the fake server in the loopback
/// tier. Also: failures, cancellation with "*", masking of secrets in the trace, and the plaintext refusal.
/// </summary>
public class AuthTranscriptTests
{
    private static Action<Smtp> Login(string user = "alice", string password = "s3cret",
        SmtpAuthMechanisms mechanism = SmtpAuthMechanisms.amUserPassword) => smtp =>
    {
        smtp.User = user;
        smtp.Password = password;
        smtp.AuthMechanism = mechanism;
    };

    private static Task Connect(Smtp smtp, bool isAsync) => Call(isAsync, smtp.Connect, () => smtp.ConnectAsync());

    private static Task Disconnect(Smtp smtp, bool isAsync) => Call(isAsync, smtp.Disconnect, () => smtp.DisconnectAsync());

    private static Task<SmtpException> ConnectFails(Smtp smtp, bool isAsync) => Fails(isAsync, smtp.Connect, () => smtp.ConnectAsync());

    private static Func<Smtp, bool, Task> ConnectsAndDisconnects => async (smtp, isAsync) =>
    {
        await Connect(smtp, isAsync);
        Assert.True(smtp.Connected);
        await Disconnect(smtp, isAsync);
    };

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task PlainSendsTheInitialResponseAndMasksItInTheTrace(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("auth-plain.smtp", mode, smtp =>
        {
            Login()(smtp);
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            await ConnectsAndDisconnects(smtp, isAsync);
            Assert.Contains("0: AUTH PLAIN ****", trace);
            Assert.DoesNotContain(trace, l => l.Contains("AGFsaWNlAHMzY3JldA==", StringComparison.Ordinal));
            Assert.Contains(trace, l =>
                l.StartsWith("2: ", StringComparison.Ordinal) && l.Contains("Authenticated as \"alice\"", StringComparison.Ordinal));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task MaskSensitiveDataFalseShowsTheSecretInTheTrace(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("auth-plain.smtp", mode, smtp =>
        {
            Login()(smtp);
            smtp.Config("MaskSensitiveData=False");
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            await ConnectsAndDisconnects(smtp, isAsync);
            Assert.Contains("0: AUTH PLAIN AGFsaWNlAHMzY3JldA==", trace);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task LoginAnswersEachPromptAndMasksBothLines(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("auth-login.smtp", mode, smtp =>
        {
            Login()(smtp);
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            await ConnectsAndDisconnects(smtp, isAsync);
            int auth = trace.IndexOf("0: AUTH LOGIN");
            Assert.Equal(["0: AUTH LOGIN", "1: 334 VXNlcm5hbWU6", "0: ****", "1: 334 UGFzc3dvcmQ6", "0: ****"], trace.Skip(auth).Take(5));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task LoginLinesAreShownWhenMaskingIsOff(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("auth-login.smtp", mode, smtp =>
        {
            Login()(smtp);
            smtp.Config("MaskSensitiveData=no");
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            await ConnectsAndDisconnects(smtp, isAsync);
            Assert.Contains("0: YWxpY2U=", trace);
            Assert.Contains("0: czNjcmV0", trace);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task LoginAnswersBare334Prompts(ReplayMode mode) =>
        Run("auth-login-bare.smtp", mode, Login(), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task LoginAnswersByOrderWhenThePromptsAreSwapped(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("auth-login-swapped.smtp", mode, smtp =>
        {
            Login()(smtp);
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            await ConnectsAndDisconnects(smtp, isAsync);
            int auth = trace.IndexOf("0: AUTH LOGIN");
            Assert.Equal(["0: AUTH LOGIN", "1: 334 UGFzc3dvcmQ6", "0: ****", "1: 334 VXNlcm5hbWU6", "0: ****"], trace.Skip(auth).Take(5));
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task LoginAnswersLocalisedPrompts(ReplayMode mode) =>
        Run("auth-login-localised.smtp", mode, Login(mechanism: SmtpAuthMechanisms.amLogin), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ALoginThirdChallengeIsCancelledWithAStar(ReplayMode mode) =>
        Run("auth-login-third-challenge.smtp", mode, Login(), async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(501, e.ReplyCode);
            Assert.Contains("LOGIN", e.Message);
            Assert.Contains("another AUTH LOGIN challenge", e.Message);
            Assert.False(smtp.Connected);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task CramMd5AnswersTheChallenge(ReplayMode mode) =>
        Run("auth-cram-md5.smtp", mode, Login("tim", "tanstaaftanstaaf", SmtpAuthMechanisms.amCRAMMD5), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AMalformedChallengeIsCancelledWithAStar(ReplayMode mode) =>
        Run("auth-cram-md5-malformed.smtp", mode, Login("tim", "tanstaaftanstaaf", SmtpAuthMechanisms.amCRAMMD5), async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(501, e.ReplyCode);
            Assert.Contains("CRAM-MD5", e.Message);
            Assert.False(smtp.Connected);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task DigestMd5RefusesAServerThatSkipsItsProof(ReplayMode mode) =>
        Run("auth-digest-md5-no-rspauth.smtp", mode, Login(mechanism: SmtpAuthMechanisms.amSASLDigestMD5), async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Contains("DIGEST-MD5", e.Message);
            Assert.Contains("impostor", e.Message);
            Assert.False(smtp.Connected);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task DigestMd5CancelsOnAWrongServerProof(ReplayMode mode) =>
        Run("auth-digest-md5-wrong-rspauth.smtp", mode, Login(mechanism: SmtpAuthMechanisms.amSASLDigestMD5), async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(501, e.ReplyCode);
            Assert.Contains("abandoned", e.Message);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ScramCancelsAServerFirstMessageWithAForeignNonce(ReplayMode mode) =>
        Run("auth-scram-foreign-nonce.smtp", mode, Login(mechanism: SmtpAuthMechanisms.amSCRAMSHA256), async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(501, e.ReplyCode);
            Assert.Contains("SCRAM-SHA-256", e.Message);
            Assert.Contains("nonce", e.Message);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task ScramSha1RefusedFailsWithTheReply(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("auth-scram-sha1-refused.smtp", mode, smtp =>
        {
            Login(mechanism: SmtpAuthMechanisms.amSCRAMSHA1)(smtp);
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(535, e.ReplyCode);
            Assert.Equal("5.7.8", e.EnhancedStatusCode);
            // The client-first message holds no secret, but the AUTH line is masked all the same.
            Assert.Contains("0: AUTH SCRAM-SHA-1 ****", trace);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task NtlmSendsNegotiateThenAuthenticate(ReplayMode mode) =>
        Run("auth-ntlm.smtp", mode, Login(@"EXAMPLE\alice", mechanism: SmtpAuthMechanisms.amNTLM), ConnectsAndDisconnects);

    private static Action<Smtp> OAuth(SmtpAuthMechanisms mechanism, string token) => smtp =>
    {
        smtp.User = "alice@example.org";
        smtp.AuthMechanism = mechanism;
        smtp.Config("AuthorizationIdentity=" + token);
    };

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task XOAuth2SendsUserAndTokenWithoutAPassword(ReplayMode mode) =>
        Run("auth-xoauth2.smtp", mode, OAuth(SmtpAuthMechanisms.amXOAUTH2, "Bearer ya29.token"), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task XOAuth2AnswersTheErrorChallengeEmptyAndReportsTheJson(ReplayMode mode) =>
        Run("auth-xoauth2-error.smtp", mode, OAuth(SmtpAuthMechanisms.amXOAUTH2, "ya29.token"), async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
            Assert.Equal(535, e.ReplyCode);
            Assert.Equal("5.7.8", e.EnhancedStatusCode);
            Assert.Contains("\"status\":\"401\"", e.Message);
            Assert.Contains("https://mail.google.com/", e.Message);
            Assert.False(smtp.Connected);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task OAuthBearerSendsTheGs2HeaderHostAndToken(ReplayMode mode) =>
        Run("auth-oauthbearer.smtp", mode, OAuth(SmtpAuthMechanisms.amOAuthBearer, "ya29.token"), ConnectsAndDisconnects);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task OAuthBearerAnswersTheErrorChallengeWithCtrlA(ReplayMode mode) =>
        Run("auth-oauthbearer-error.smtp", mode, OAuth(SmtpAuthMechanisms.amOAuthBearer, "ya29.token"), async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(535, e.ReplyCode);
            Assert.Contains("invalid_token", e.Message);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task RefusalsFailTheConnectWithTheReplyAndTheComponentConnectsAgain(ReplayMode mode) =>
        Run("auth-failures.smtp", mode, Login(), async (smtp, isAsync) =>
        {
            foreach (var (code, enhanced) in new[] { (535, "5.7.8"), (454, "4.7.0"), (534, "5.7.9") })
            {
                var e = await ConnectFails(smtp, isAsync);
                Assert.Equal(SmtpErrorCodes.ProtocolError, e.Code);
                Assert.Equal(code, e.ReplyCode);
                Assert.Equal(enhanced, e.EnhancedStatusCode);
                Assert.Contains("\"alice\"", e.Message);
                Assert.Contains(e.ServerReply, e.Message);
                Assert.DoesNotContain("s3cret", e.Message);
                Assert.Equal(e.ServerReply, smtp.LastReply); // the refusal, not the goodbye that followed
                Assert.False(smtp.Connected);
                Assert.True(smtp.Idle);
            }
            await ConnectsAndDisconnects(smtp, isAsync);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AMechanismTheServerDoesNotOfferIsNotSupported(ReplayMode mode) =>
        Run("auth-not-offered.smtp", mode, Login(mechanism: SmtpAuthMechanisms.amCRAMMD5), async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
            Assert.Contains("CRAM-MD5", e.Message);
            Assert.Contains("PLAIN", e.Message); // what it does offer
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AServerWithoutAuthIsNotSupported(ReplayMode mode) =>
        Run("auth-none-offered.smtp", mode, Login(), async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
            Assert.Contains("does not offer authentication", e.Message);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task PlainOverPlaintextToARemoteHostIsRefused(ReplayMode mode) =>
        RunWithFactory("auth-plain-refused-in-clear.smtp", mode, (smtp, factory) =>
        {
            Login()(smtp);
            smtp.MailServer = "mail.example.org";
            factory.RemoteAddress = "203.0.113.25";
        }, async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
            Assert.Contains("clear text", e.Message);
            Assert.Contains("InsecureAllowPlaintextAuth", e.Message);
        });

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task InsecureAllowPlaintextAuthLetsPlainGoToARemoteHost(ReplayMode mode) =>
        RunWithFactory("auth-plain.smtp", mode, (smtp, factory) =>
        {
            Login()(smtp);
            smtp.MailServer = "mail.example.org";
            factory.RemoteAddress = "203.0.113.25";
            smtp.Config("InsecureAllowPlaintextAuth=True");
        }, ConnectsAndDisconnects);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task CramMd5NeedsNoEncryptionToARemoteHost(ReplayMode mode) =>
        RunWithFactory("auth-cram-md5.smtp", mode, (smtp, factory) =>
        {
            Login("tim", "tanstaaftanstaaf", SmtpAuthMechanisms.amCRAMMD5)(smtp);
            smtp.MailServer = "mail.example.org";
            factory.RemoteAddress = "203.0.113.25";
        }, ConnectsAndDisconnects);

    // ---- Config AuthMechanisms: an ordered list the server's offer chooses from ----

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AuthMechanismsTakesTheFirstOfferedNameOfTheList(ReplayMode mode)
    {
        List<string> trace = [];
        return Run("auth-mechanisms-scram-offered.smtp", mode, smtp =>
        {
            // AuthMechanism says CRAM-MD5, which the server offers too: the list replaces it.
            Login(mechanism: SmtpAuthMechanisms.amCRAMMD5)(smtp);
            smtp.Config("AuthMechanisms=SCRAM-SHA-256, scram-sha-1,PLAIN,LOGIN");
            trace = Trace(smtp);
        }, async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(535, e.ReplyCode);
            Assert.Contains("0: AUTH SCRAM-SHA-1 ****", trace);
        });
    }

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AuthMechanismsFallsBackAlongTheListToPlain(ReplayMode mode) =>
        // auth-plain.smtp offers PLAIN LOGIN CRAM-MD5 and no SCRAM.
        Run("auth-plain.smtp", mode, smtp =>
        {
            Login()(smtp);
            smtp.Config("AuthMechanisms=SCRAM-SHA-256,SCRAM-SHA-1,PLAIN,LOGIN");
        }, ConnectsAndDisconnects);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AnEmptyAuthMechanismsGivesAuthMechanismBack(ReplayMode mode) =>
        Run("auth-cram-md5.smtp", mode, smtp =>
        {
            Login("tim", "tanstaaftanstaaf", SmtpAuthMechanisms.amCRAMMD5)(smtp);
            smtp.Config("AuthMechanisms=PLAIN");
            smtp.Config("AuthMechanisms=");
        }, ConnectsAndDisconnects);

    [Theory, MemberData(nameof(ReplayModes.All), MemberType = typeof(ReplayModes))]
    public Task AuthMechanismsThatTheServerDoesNotOfferFailBeforeAnyAuth(ReplayMode mode) =>
        Run("auth-mechanisms-none-offered.smtp", mode, smtp =>
        {
            Login()(smtp);
            smtp.Config("AuthMechanisms=SCRAM-SHA-256,PLAIN");
        }, async (smtp, isAsync) =>
        {
            var e = await ConnectFails(smtp, isAsync);
            Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
            Assert.Contains("SCRAM-SHA-256 or PLAIN", e.Message);
            Assert.Contains("It offers: CRAM-MD5 DIGEST-MD5", e.Message);
            Assert.Contains("AuthMechanism", e.Message);
        });
}
