using Xunit;

namespace Herald.Tests.Facade.SmtpClientFacade;

/// <summary>SmtpClient's Config settings: every B.4 name answers, with its default, and takes what it documents.</summary>
public class ClientConfigTests
{
    [Theory]
    [InlineData("Authentications", "SCRAM-SHA-256,SCRAM-SHA-1,PLAIN,LOGIN")]
    [InlineData("BinaryChunkSize", "0")]
    [InlineData("BinaryMode", "False")]
    [InlineData("ForceLogin", "False")]
    [InlineData("IgnoreSystemTrust", "False")]
    [InlineData("RemoveBCC", "True")]
    [InlineData("SendBufferSize", "65536")]
    [InlineData("TempPath", "")]
    [InlineData("TolerateMinorChainIssues", "False")]
    [InlineData("UseMicrosoftCTL", "False")]
    [InlineData("UseSystemCertificates", "True")]
    [InlineData("CheckKeyIntegrityBeforeUse", "False")]
    [InlineData("CookieCaching", "None")]
    [InlineData("Cookies", "")]
    [InlineData("DefDeriveKeyIterations", "0")]
    [InlineData("EnableClientSideSSLFFDHE", "True")]
    [InlineData("GlobalCookies", "")]
    [InlineData("HttpUserAgent", "")]
    [InlineData("LogDestination", "File")]
    [InlineData("LogDetails", "Time,Level,Source")]
    [InlineData("LogFile", "")]
    [InlineData("LogFilters", "")]
    [InlineData("LogFlushMode", "Immediate")]
    [InlineData("LogLevel", "None")]
    [InlineData("LogMaxEventCount", "100")]
    [InlineData("LogRotationMode", "None")]
    [InlineData("MaxASN1BufferLength", "0")]
    [InlineData("MaxASN1TreeDepth", "0")]
    [InlineData("OCSPHashAlgorithm", "SHA1")]
    [InlineData("UseOwnDNSResolver", "False")]
    [InlineData("UseSharedSystemStorages", "True")]
    [InlineData("UseSystemOAEPAndPSS", "True")]
    [InlineData("UseSystemRandom", "True")]
    [InlineData("MaskSensitiveData", "True")]
    [InlineData("InsecureAllowPlaintextAuth", "False")]
    public void EverySettingAnswersWithItsDefault(string name, string value)
    {
        using var client = new SmtpClient();
        Assert.Equal(value, client.Config(name));
        Assert.Equal(value, client.Config(name.ToLowerInvariant())); // names ignore case
    }

    [Theory]
    [InlineData("Authentications=scram-sha-256; plain", "Authentications", "SCRAM-SHA-256,PLAIN")]
    [InlineData("Authentications=XOAUTH2 OAUTHBEARER XOAUTH2", "Authentications", "XOAUTH2,OAUTHBEARER")]
    [InlineData("BinaryChunkSize=4096", "BinaryChunkSize", "4096")]
    [InlineData("BinaryMode=yes", "BinaryMode", "True")]
    [InlineData("ForceLogin=1", "ForceLogin", "True")]
    [InlineData("IgnoreSystemTrust=on", "IgnoreSystemTrust", "True")]
    [InlineData("RemoveBCC=No", "RemoveBCC", "False")]
    [InlineData("SendBufferSize=8192", "SendBufferSize", "8192")]
    [InlineData("TolerateMinorChainIssues=true", "TolerateMinorChainIssues", "True")]
    [InlineData("UseSystemCertificates=false", "UseSystemCertificates", "False")]
    [InlineData("CheckKeyIntegrityBeforeUse=True", "CheckKeyIntegrityBeforeUse", "True")]
    [InlineData("HttpUserAgent= Herald/1.0 ", "HttpUserAgent", "Herald/1.0")]
    [InlineData("LogDestination=console", "LogDestination", "Console")]
    [InlineData("LogDetails=Thread, Level", "LogDetails", "Level,Thread")]
    [InlineData("LogDetails=All", "LogDetails", "Time,Level,Source,Thread")]
    [InlineData("LogFile=/tmp/herald.log", "LogFile", "/tmp/herald.log")]
    [InlineData("LogFilters=tls,Protocol", "LogFilters", "Tls,Protocol")]
    [InlineData("LogFlushMode=buffered", "LogFlushMode", "Buffered")]
    [InlineData("LogLevel=Warnings", "LogLevel", "Warning")]
    [InlineData("LogLevel=Trace", "LogLevel", "Debug")]
    [InlineData("LogMaxEventCount=5", "LogMaxEventCount", "5")]
    [InlineData("LogRotationMode=Daily", "LogRotationMode", "Daily")]
    [InlineData("MaskSensitiveData=False", "MaskSensitiveData", "False")]
    [InlineData("InsecureAllowPlaintextAuth=True", "InsecureAllowPlaintextAuth", "True")]
    public void SettingsTakeTheirValues(string set, string name, string expected)
    {
        using var client = new SmtpClient();
        Assert.Equal("", client.Config(set));
        Assert.Equal(expected, client.Config(name));
    }

    [Fact]
    public void TempPathTakesAnExistingDirectory()
    {
        using var client = new SmtpClient();
        string directory = Path.GetTempPath().TrimEnd('/');
        client.Config("TempPath=" + directory);
        Assert.Equal(directory, client.Config("TempPath"));
        client.Config("TempPath=");
        Assert.Equal("", client.Config("TempPath"));
    }

    [Fact]
    public void ConfigNeedsAString()
    {
        using var client = new SmtpClient();
        Assert.Throws<ArgumentNullException>(() => client.Config(null!));
    }
}
