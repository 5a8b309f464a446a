using Xunit;

namespace Herald.Tests.Facade;

/// <summary>Every property and Config setting of a new component has its documented default (FEATURES A.1, A.6).</summary>
public class DefaultsTests
{
    [Fact]
    public void EveryPropertyStartsAtItsDocumentedDefault()
    {
        using var smtp = new Smtp();
        Assert.True(smtp.AllowExtensions);
        Assert.Equal(SmtpAuthMechanisms.amUserPassword, smtp.AuthMechanism);
        Assert.Equal("", smtp.BCc);
        Assert.Equal("", smtp.Cc);
        Assert.False(smtp.Connected);
        Assert.Equal("", smtp.DeliveryNotificationTo);
        Assert.Equal(FirewallTypes.fwNone, smtp.Firewall.FirewallType);
        Assert.Equal("", smtp.Firewall.Host);
        Assert.Equal(0, smtp.Firewall.Port);
        Assert.Equal("", smtp.Firewall.User);
        Assert.Equal("", smtp.Firewall.Password);
        Assert.False(smtp.Firewall.AutoDetect);
        Assert.Equal("", smtp.From);
        Assert.True(smtp.Idle);
        Assert.Equal(SmtpImportances.miUnspecified, smtp.Importance);
        Assert.Equal("", smtp.LastReply);
        Assert.Equal(System.Net.Dns.GetHostName(), smtp.LocalHost); // "" reads back the machine's host name
        Assert.Equal(25, smtp.MailPort);
        Assert.Equal("", smtp.MailServer);
        Assert.Equal("", smtp.Message);
        Assert.Empty(smtp.MessageB);
        Assert.Equal("*", smtp.MessageDate);
        Assert.Empty(smtp.MessageHeaders);
        Assert.Equal("", smtp.MessageHeadersString);
        Assert.Equal("*", smtp.MessageId);
        Assert.Empty(smtp.MessageRecipients);
        Assert.Equal("", smtp.MessageText);
        Assert.Equal("", smtp.OtherHeaders);
        Assert.Equal("", smtp.Password);
        Assert.Equal(SmtpPriorities.epUnspecified, smtp.Priority);
        Assert.Equal("", smtp.ReadReceiptTo);
        Assert.Equal("", smtp.ReplyTo);
        Assert.Equal("", smtp.ReturnPath);
        Assert.Equal("", smtp.SendTo);
        Assert.Equal(SmtpSensitivities.esUnspecified, smtp.Sensitivity);
        Assert.NotNull(smtp.SSLAcceptServerCert);
        Assert.NotNull(smtp.SSLCert);
        Assert.False(smtp.SSLEnabled);
        Assert.Equal(SmtpSSLProviders.sslpAutomatic, smtp.SSLProvider);
        Assert.Equal(SmtpSSLStartModes.sslNone, smtp.SSLStartMode);
        Assert.Equal("", smtp.Subject);
        Assert.Equal(60, smtp.Timeout);
        Assert.Equal("", smtp.User);
    }

    public static TheoryData<string, string> ConfigDefaults => new()
    {
        // A.6.1 SMTP
        { "AllowEmptyTo", "False" },
        { "AuthorizationIdentity", "" },
        { "Charset", "" },
        { "FoldHeaders", "True" },
        { "KeepQueue", "False" },
        { "MaxHeaderLength", "80" },
        { "MessageHeadersString", "" },
        { "MessageIdAlgorithm", "SHA1" },
        { "OtherHeaders", "" },
        { "ReturnPath", "" },
        { "SendRSET", "True" },
        { "StopOnBccErrors", "False" },
        { "StopOnCcErrors", "True" },
        { "StopOnToErrors", "True" },
        { "TransferText", "" },
        // A.6.2 TCP
        { "CloseStreamAfterTransfer", "True" },
        { "ConnectionTimeout", "0" },
        { "FirewallAutoDetect", "False" },
        { "FirewallHost", "" },
        { "FirewallListener", "False" },
        { "FirewallPassword", "" },
        { "FirewallPort", "0" },
        { "FirewallType", "0" },
        { "FirewallUser", "" },
        { "KeepAliveInterval", "0" },
        { "KeepAliveRetryCount", "0" },
        { "KeepAliveTime", "0" },
        { "Linger", "True" },
        { "LingerTime", "0" },
        { "LocalPort", "0" },
        { "MaxLineLength", "2048" },
        { "MaxTransferRate", "0" },
        { "ProxyExceptionsList", "" },
        { "TCPKeepAlive", "False" },
        { "TcpNoDelay", "False" },
        { "UseIPv6", "0" },
        { "UseNTLMv2", "True" },
        // A.6.4 Socket
        { "AbsoluteTimeout", "False" },
        { "FirewallData", "" },
        { "InBufferSize", "0" },
        { "OutBufferSize", "0" },
        // A.6.5 Base
        { "CodePage", "65001" },
        { "GUIAvailable", "False" },
        { "LicenseInfo", "" },
        { "MaskSensitiveData", "True" },
        { "MaskSensitive", "True" },
        { "ProcessIdleEvents", "False" },
        { "SelectWaitMillis", "20" },
        { "UseFIPSCompliantAPI", "False" },
        { "UseInternalSecurityAPI", "False" },
    };

    [Theory, MemberData(nameof(ConfigDefaults))]
    public void EveryConfigSettingStartsAtItsDefault(string name, string expected)
    {
        using var smtp = new Smtp();
        Assert.Equal(expected, smtp.Config(name));
    }

    [Fact]
    public void TheSettingsThatDefaultToTheMachineReadItBack()
    {
        using var smtp = new Smtp();
        string host = System.Net.Dns.GetHostName();
        Assert.Equal(host, smtp.Config("Hello"));
        Assert.Equal(host, smtp.Config("LocalHost"));
        Assert.StartsWith("Herald ", smtp.Config("BuildInfo"));
    }
}
