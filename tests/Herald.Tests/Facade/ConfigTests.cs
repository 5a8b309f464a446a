using Xunit;

namespace Herald.Tests.Facade;

/// <summary>
/// Config("Name=Value") and Config("Name"): every writable setting of A.6.1, A.6.2, A.6.4 and A.6.5 round-trips, with
/// booleans in any of their spellings; unknown, read-only and not-applicable settings fail with their own codes.
/// </summary>
public class ConfigTests
{
    public static TheoryData<string> BoolSettings =>
    [
        "AllowEmptyTo", "FoldHeaders", "KeepQueue", "SendRSET", "StopOnBccErrors", "StopOnCcErrors", "StopOnToErrors",
        "CloseStreamAfterTransfer", "FirewallAutoDetect", "Linger", "TCPKeepAlive", "TcpNoDelay", "UseNTLMv2",
        "AbsoluteTimeout", "MaskSensitiveData", "MaskSensitive", "InsecureAllowPlaintextAuth",
    ];

    [Theory, MemberData(nameof(BoolSettings))]
    public void BooleansAcceptTrueFalseYesNoOneZeroInAnyCase(string name)
    {
        using var smtp = new Smtp();
        foreach (var (text, value) in new[]
        {
            ("True", true), ("false", false), ("YES", true), ("no", false), ("1", true), ("0", false),
            ("tRuE", true), ("No", false), ("yes", true), ("FALSE", false), (" 1 ", true), ("nO", false),
        })
        {
            Assert.Equal("", smtp.Config($"{name}={text}"));
            Assert.Equal(value ? "True" : "False", smtp.Config(name));
        }
        var e = Assert.Throws<SmtpException>(() => smtp.Config($"{name}=maybe"));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains(name, e.Message);
        Assert.Equal("False", smtp.Config(name)); // a refused value changes nothing
    }

    public static TheoryData<string, int, int> IntSettings => new()
    {
        { "MaxHeaderLength", 76, 10 },
        { "ConnectionTimeout", 15, -1 },
        { "FirewallPort", 3128, 70000 },
        { "KeepAliveInterval", 2000, -5 },
        { "KeepAliveRetryCount", 5, 1000 },
        { "KeepAliveTime", 60000, -1 },
        { "LingerTime", 5, -1 },
        { "LocalPort", 40000, 65536 },
        { "MaxLineLength", 4096, 100 },
        { "MaxTransferRate", 100000, -1 },
        { "UseIPv6", 2, 3 },
        { "InBufferSize", 65536, -1 },
        { "OutBufferSize", 65536, -1 },
        { "SelectWaitMillis", 100, -1 },
    };

    [Theory, MemberData(nameof(IntSettings))]
    public void NumbersRoundTripAndOutOfRangeValuesAreRefused(string name, int good, int bad)
    {
        using var smtp = new Smtp();
        string before = smtp.Config(name);
        smtp.Config($"{name}={good}");
        Assert.Equal(good.ToString(System.Globalization.CultureInfo.InvariantCulture), smtp.Config(name));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => smtp.Config($"{name}={bad}")).Code);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => smtp.Config($"{name}=lots")).Code);
        Assert.Equal(good.ToString(System.Globalization.CultureInfo.InvariantCulture), smtp.Config(name));
        Assert.NotEqual(before, smtp.Config(name));
    }

    public static TheoryData<string, string> StringSettings => new()
    {
        { "AuthorizationIdentity", "Bearer ya29.token" },
        { "Charset", "iso-8859-1" },
        { "Hello", "mail.client.test" },
        { "MessageIdAlgorithm", "SHA256" },
        { "OtherHeaders", "X-Mailer: Herald\r\nX-Priority: 1" },
        { "ReturnPath", "bounces@example.org" },
        { "FirewallHost", "proxy.example.org" },
        { "FirewallPassword", "p4ss" },
        { "FirewallUser", "proxyuser" },
        { "LocalHost", "127.0.0.1" },
        { "ProxyExceptionsList", "localhost;10.0.0.1" },
        { "FirewallData", "Proxy-Authorization: Basic eA==" },
    };

    [Theory, MemberData(nameof(StringSettings))]
    public void StringsRoundTrip(string name, string value)
    {
        using var smtp = new Smtp();
        smtp.Config($"{name}={value}");
        Assert.Equal(value, smtp.Config(name));
    }

    [Fact]
    public void NamesAreNotCaseSensitiveAndTheValueMayContainEquals()
    {
        using var smtp = new Smtp();
        smtp.Config("sendrset=FALSE");
        Assert.Equal("False", smtp.Config("SENDRSET"));
        smtp.Config("authorizationidentity=a=b=c");
        Assert.Equal("a=b=c", smtp.Config("AuthorizationIdentity"));
    }

    [Fact]
    public void SettingsThatMirrorPropertiesShareTheirValue()
    {
        using var smtp = new Smtp();
        smtp.OtherHeaders = "X-A: 1";
        Assert.Equal("X-A: 1", smtp.Config("OtherHeaders"));
        smtp.Config("OtherHeaders=X-B: 2");
        Assert.Equal("X-B: 2", smtp.OtherHeaders);
        smtp.ReturnPath = "a@example.org";
        Assert.Equal("a@example.org", smtp.Config("ReturnPath"));
        smtp.Config("ReturnPath=b@example.org");
        Assert.Equal("b@example.org", smtp.ReturnPath);
        smtp.Config("LocalHost=127.0.0.1");
        Assert.Equal("127.0.0.1", smtp.LocalHost);

        smtp.Config("MaskSensitive=False");
        Assert.Equal("False", smtp.Config("MaskSensitiveData"));
        smtp.Config("CACertFilePaths=/tmp/ca.pem");
        Assert.Equal("/tmp/ca.pem", smtp.Config("SSLCACertFilePaths"));
    }

    [Fact]
    public void TheFirewallSettingsAreTheFirewallProperty()
    {
        using var smtp = new Smtp();
        smtp.Config("FirewallType=3");
        Assert.Equal(FirewallTypes.fwSOCKS5, smtp.Firewall.FirewallType);
        Assert.Equal(1080, smtp.Firewall.Port); // the type sets the usual port
        Assert.Equal("1080", smtp.Config("FirewallPort"));
        smtp.Config("FirewallType=1");
        Assert.Equal("80", smtp.Config("FirewallPort"));
        smtp.Firewall.Host = "proxy.example.org";
        Assert.Equal("proxy.example.org", smtp.Config("FirewallHost"));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => smtp.Config("FirewallType=4")).Code);
    }

    [Fact]
    public void AnUnknownSettingIsAnInvalidArgument()
    {
        using var smtp = new Smtp();
        var e = Assert.Throws<SmtpException>(() => smtp.Config("NoSuchSetting=1"));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("NoSuchSetting", e.Message);
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => smtp.Config("NoSuchSetting")).Code);
    }

    [Theory]
    [InlineData("MessageHeadersString")]
    [InlineData("TransferText")]
    [InlineData("BuildInfo")]
    public void AReadOnlySettingCannotBeWritten(string name)
    {
        using var smtp = new Smtp();
        var e = Assert.Throws<SmtpException>(() => smtp.Config($"{name}=x"));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains("read-only", e.Message);
    }

    [Theory]
    [InlineData("FirewallListener", "False")]
    [InlineData("CodePage", "65001")]
    [InlineData("GUIAvailable", "False")]
    [InlineData("LicenseInfo", "")]
    [InlineData("ProcessIdleEvents", "False")]
    [InlineData("UseFIPSCompliantAPI", "False")]
    [InlineData("UseInternalSecurityAPI", "False")]
    public void ASettingWithoutMeaningHereReadsItsFixedValueAndCannotBeChanged(string name, string value)
    {
        using var smtp = new Smtp();
        Assert.Equal(value, smtp.Config(name));
        var e = Assert.Throws<SmtpException>(() => smtp.Config($"{name}=1"));
        Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
        Assert.Contains(name, e.Message);
        Assert.Equal(value, smtp.Config(name));
    }

    [Theory]
    [InlineData("Charset=no-such-charset")]
    [InlineData("MessageIdAlgorithm=SHA512")]
    public void AValueOutsideTheSettingsVocabularyIsRefused(string setting)
    {
        using var smtp = new Smtp();
        Assert.Equal(SmtpErrorCodes.InvalidArgument, Assert.Throws<SmtpException>(() => smtp.Config(setting)).Code);
    }

    [Fact]
    public void ConfigTakesANonNullString()
    {
        using var smtp = new Smtp();
        Assert.Throws<ArgumentNullException>(() => smtp.Config(null!));
    }

    [Fact]
    public void AuthMechanismsReadsBackAsUpperCaseNamesInTheGivenOrder()
    {
        using var smtp = new Smtp();
        Assert.Equal("", smtp.Config("AuthMechanisms"));
        smtp.Config("AuthMechanisms= scram-sha-256 ,SCRAM-SHA-1, plain,Login ");
        Assert.Equal("SCRAM-SHA-256,SCRAM-SHA-1,PLAIN,LOGIN", smtp.Config("AuthMechanisms"));
        smtp.Config("AuthMechanisms=");
        Assert.Equal("", smtp.Config("AuthMechanisms"));
    }

    [Theory]
    [InlineData("SCRAM-SHA-256,,PLAIN", "empty entry")]
    [InlineData("SCRAM-SHA-512", "\"SCRAM-SHA-512\" is not a SASL mechanism Herald implements")]
    [InlineData("APOP", "is not a SASL mechanism")]
    [InlineData("PLAIN,LOGIN,plain", "names PLAIN twice")]
    public void AuthMechanismsRefusesWhatCannotBeAMechanismList(string value, string expected)
    {
        using var smtp = new Smtp();
        smtp.Config("AuthMechanisms=PLAIN");
        var e = Assert.Throws<SmtpException>(() => smtp.Config("AuthMechanisms=" + value));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains(expected, e.Message);
        Assert.Equal("PLAIN", smtp.Config("AuthMechanisms")); // a refused value changes nothing
    }
}
