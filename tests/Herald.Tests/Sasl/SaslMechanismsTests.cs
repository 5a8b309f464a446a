using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class SaslMechanismsTests
{
    private static readonly string[] Everything =
        ["PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "NTLM", "GSSAPI", "XOAUTH2", "OAUTHBEARER"];

    private static readonly SaslCredentials Full = new("user@example.test", "s3cret!", "user-oauth-token", "mail.example.test");

    [Theory]
    [InlineData(SmtpAuthMechanisms.amCRAMMD5, "CRAM-MD5", typeof(CramMd5Mechanism))]
    [InlineData(SmtpAuthMechanisms.amNTLM, "NTLM", typeof(NtlmMechanism))]
    [InlineData(SmtpAuthMechanisms.amSASLPlain, "PLAIN", typeof(PlainMechanism))]
    [InlineData(SmtpAuthMechanisms.amSASLDigestMD5, "DIGEST-MD5", typeof(DigestMd5Mechanism))]
    [InlineData(SmtpAuthMechanisms.amKerberos, "GSSAPI", typeof(GssapiMechanism))]
    [InlineData(SmtpAuthMechanisms.amXOAUTH2, "XOAUTH2", typeof(XOAuth2Mechanism))]
    [InlineData(SmtpAuthMechanisms.amOAuthBearer, "OAUTHBEARER", typeof(OAuthBearerMechanism))]
    [InlineData(SmtpAuthMechanisms.amSCRAMSHA1, "SCRAM-SHA-1", typeof(ScramMechanism))]
    [InlineData(SmtpAuthMechanisms.amSCRAMSHA256, "SCRAM-SHA-256", typeof(ScramMechanism))]
    [InlineData(SmtpAuthMechanisms.amLogin, "LOGIN", typeof(LoginMechanism))] // even though PLAIN is offered too
    public void EachSettingMapsToItsMechanism(SmtpAuthMechanisms setting, string name, Type type)
    {
        using SaslMechanism mechanism = SaslMechanisms.Choose(SmtpSettings.MechanismNames(setting), Full, Everything);

        Assert.Equal(name, mechanism.Name);
        Assert.IsType(type, mechanism);
    }

    [Fact]
    public void UserPasswordPrefersPlain()
    {
        using SaslMechanism mechanism = SaslMechanisms.Choose(SmtpSettings.MechanismNames(SmtpAuthMechanisms.amUserPassword), Full, ["LOGIN", "PLAIN"]);

        Assert.Equal("PLAIN", mechanism.Name);
    }

    [Fact]
    public void UserPasswordFallsBackToLogin()
    {
        using SaslMechanism mechanism = SaslMechanisms.Choose(SmtpSettings.MechanismNames(SmtpAuthMechanisms.amUserPassword), Full, ["CRAM-MD5", "LOGIN"]);

        Assert.Equal("LOGIN", mechanism.Name);
    }

    [Fact]
    public void OfferedNamesAreComparedWithoutRegardToCase()
    {
        using SaslMechanism mechanism = SaslMechanisms.Choose(SmtpSettings.MechanismNames(SmtpAuthMechanisms.amSCRAMSHA256), Full, ["scram-sha-256"]);

        Assert.Equal("SCRAM-SHA-256", mechanism.Name);
    }

    [Fact]
    public void MechanismNotOfferedNamesItAndListsTheOffer()
    {
        var error = Assert.Throws<SmtpException>(
            () => SaslMechanisms.Choose(SmtpSettings.MechanismNames(SmtpAuthMechanisms.amCRAMMD5), Full, ["PLAIN", "LOGIN"]));

        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains("CRAM-MD5", error.Message, StringComparison.Ordinal);
        Assert.Contains("PLAIN LOGIN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UserPasswordWithNeitherPlainNorLoginOffered()
    {
        var error = Assert.Throws<SmtpException>(
            () => SaslMechanisms.Choose(SmtpSettings.MechanismNames(SmtpAuthMechanisms.amUserPassword), Full, ["CRAM-MD5"]));

        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains("PLAIN or LOGIN", error.Message, StringComparison.Ordinal);
        Assert.Contains("CRAM-MD5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoAuthOfferedAtAll()
    {
        var error = Assert.Throws<SmtpException>(() => SaslMechanisms.Choose(SmtpSettings.MechanismNames(SmtpAuthMechanisms.amSASLPlain), Full, []));

        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains("no AUTH mechanisms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApopIsRefusedWithAnExplanation()
    {
        var error = Assert.Throws<SmtpException>(() => SaslMechanisms.Choose(SmtpSettings.MechanismNames(SmtpAuthMechanisms.amAPOP), Full, Everything));

        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains("POP3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownSettingIsAnInvalidArgument()
    {
        var error = Assert.Throws<SmtpException>(
            () => SaslMechanisms.Choose(SmtpSettings.MechanismNames((SmtpAuthMechanisms)99), Full, Everything));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("Login")]
    [InlineData("cram-md5")]
    [InlineData("DIGEST-MD5")]
    [InlineData("scram-sha-1")]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("ntlm")]
    [InlineData("gssapi")]
    [InlineData("xoauth2")]
    [InlineData("OAuthBearer")]
    public void ByWireName(string name)
    {
        using SaslMechanism mechanism = SaslMechanisms.Create(name, Full);

        Assert.Equal(name.ToUpperInvariant(), mechanism.Name);
    }

    [Fact]
    public void UnknownWireNameListsWhatIsSupported()
    {
        var error = Assert.Throws<SmtpException>(() => SaslMechanisms.Create("SCRAM-SHA-512", Full));

        Assert.Equal(SmtpErrorCodes.NotSupported, error.Code);
        Assert.Contains("SCRAM-SHA-256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationProblemsSurfaceFromTheFactory()
    {
        var error = Assert.Throws<SmtpException>(
            () => SaslMechanisms.Choose(SmtpSettings.MechanismNames(SmtpAuthMechanisms.amCRAMMD5), Full with { Password = "" }, Everything));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }

    [Fact]
    public void OnlyTheSecretSendingMechanismsSayTheySendTheSecretInClear()
    {
        var inClear = Everything.Where(name =>
        {
            using SaslMechanism mechanism = SaslMechanisms.Create(name, Full);
            return mechanism.SendsSecretInClear;
        });

        Assert.Equal(["PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"], inClear);
    }

    [Fact]
    public void ServerVerificationIsRequiredByTheMechanismsThatProveTheServer()
    {
        var verifying = Everything.Where(name =>
        {
            using SaslMechanism mechanism = SaslMechanisms.Create(name, Full);
            return mechanism.RequiresServerVerification;
        });

        Assert.Equal(["DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "GSSAPI"], verifying);
    }

    [Fact]
    public void CredentialsRecordDoesNotPrintThePassword()
    {
        Assert.DoesNotContain("s3cret!", Full.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("user-oauth-token", Full.ToString(), StringComparison.Ordinal);
        Assert.Contains("user@example.test", Full.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SupportedListsEveryMechanism()
    {
        Assert.Equal(Everything, SaslMechanisms.Supported);
    }
}
