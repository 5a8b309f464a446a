using System.Reflection;
using Xunit;

namespace Herald.Tests.Facade.SmtpClientFacade;

/// <summary>
/// SmtpClient's members: their defaults, the checks on what is set, and the members the platform cannot honour, each of
/// which fails with 10045 and says why (setting them to what they already are is allowed).
/// </summary>
public class ClientMembersTests
{
    [Fact]
    public void DefaultsAreSecureAndDocumented()
    {
        using var client = new SmtpClient();
        Assert.Equal(SmtpClientTlsMode.Automatic, client.TLS.TLSMode);
        Assert.Equal(TlsVersions.Tls12 | TlsVersions.Tls13, client.TLS.Versions);
        Assert.True(client.TLS.AutoValidateCertificates);
        Assert.Equal(RevocationCheckKind.Auto, client.TLS.RevocationCheck);
        Assert.Equal(TlsBaseConfiguration.Default, client.TLS.BaseConfiguration);
        Assert.Equal(RenegotiationAttackPreventionMode.Auto, client.TLS.RenegotiationAttackPreventionMode);
        Assert.Equal("", client.TLS.Ciphersuites);
        Assert.Equal("", client.TLS.ECCurves);
        Assert.False(client.TLS.UseSessionResumption);
        Assert.True(client.TLS.UseExtendedMasterSecret);
        Assert.Equal(TlsSslOptions.None, client.TLS.SSLOptions);
        Assert.Equal(60_000, client.Socket.Timeout);
        Assert.False(client.Socket.UseIPv6);
        Assert.Equal(DnsResolveMode.Auto, client.Socket.DNSMode);
        Assert.Equal(53, client.Socket.DNSPort);
        Assert.False(client.Proxy.UseProxy);
        Assert.Equal(ProxyType.None, client.Proxy.ProxyType);
        Assert.Equal(ProxyAuthentication.Basic, client.Proxy.Authentication);
        Assert.Equal(ExternalCryptoMode.Default, client.ExternalCrypto.Mode);
        Assert.Equal("", client.Domain);
        Assert.Equal("", client.Username);
        Assert.Empty(client.ClientCerts);
        Assert.Empty(client.TrustedCerts);
        Assert.Empty(client.KnownCerts);
        Assert.Empty(client.BlockedCerts);
        Assert.Empty(client.KnownCRLs);
        Assert.Empty(client.KnownOCSPs);
        Assert.Empty(client.ServerCerts);
        Assert.False(client.ServerInfo.Available);
        Assert.False(client.ConnInfo.ConnectionEstablished);
        Assert.False(client.ConnInfo.SecureConnection);
        Assert.Empty(client.ConnInfo.ConnectionID);
        Assert.Equal("", client.ConnInfo.PreSharedIdentityHint);
        Assert.Equal(0, client.Msg.AttachmentCount);
    }

    /// <summary>Every SecureBlackbox SMTPClient member (api-surface B.1-B.3) is reachable under its grouped .NET name.</summary>
    [Theory]
    [InlineData("Msg.AttachmentCount"), InlineData("Msg.Bcc"), InlineData("Msg.Cc"), InlineData("Msg.Comments"), InlineData("Msg.Date")]
    [InlineData("Msg.DeliveryReceipt"), InlineData("Msg.From"), InlineData("Msg.HtmlText"), InlineData("Msg.ID")]
    [InlineData("Msg.InReplyTo")]
    [InlineData("Msg.Keywords"), InlineData("Msg.Mailer"), InlineData("Msg.PlainText"), InlineData("Msg.Priority")]
    [InlineData("Msg.ReadReceipt"), InlineData("Msg.References"), InlineData("Msg.ReplyTo"), InlineData("Msg.ReturnPath")]
    [InlineData("Msg.Sender"), InlineData("Msg.SendTo"), InlineData("Msg.Subject")]
    [InlineData("ConnInfo.AEADCipher"), InlineData("ConnInfo.ChainValidationDetails"), InlineData("ConnInfo.ChainValidationResult")]
    [InlineData("ConnInfo.Ciphersuite"), InlineData("ConnInfo.ClientAuthenticated"), InlineData("ConnInfo.ClientAuthRequested")]
    [InlineData("ConnInfo.ConnectionEstablished"), InlineData("ConnInfo.ConnectionID"), InlineData("ConnInfo.DigestAlgorithm")]
    [InlineData("ConnInfo.EncryptionAlgorithm"), InlineData("ConnInfo.Exportable"), InlineData("ConnInfo.KeyExchangeAlgorithm")]
    [InlineData("ConnInfo.KeyExchangeKeyBits"), InlineData("ConnInfo.NamedECCurve"), InlineData("ConnInfo.PFSCipher")]
    [InlineData("ConnInfo.PreSharedIdentityHint"), InlineData("ConnInfo.PublicKeyBits"), InlineData("ConnInfo.ResumedSession")]
    [InlineData("ConnInfo.SecureConnection"), InlineData("ConnInfo.ServerAuthenticated"), InlineData("ConnInfo.SignatureAlgorithm")]
    [InlineData("ConnInfo.SymmetricBlockSize"), InlineData("ConnInfo.SymmetricKeyBits"), InlineData("ConnInfo.TotalBytesReceived")]
    [InlineData("ConnInfo.TotalBytesSent"), InlineData("ConnInfo.ValidationLog"), InlineData("ConnInfo.Version")]
    [InlineData("ServerInfo.AuthLoginSupported"), InlineData("ServerInfo.AuthPlainSupported"), InlineData("ServerInfo.Available")]
    [InlineData("ServerInfo.BinarySupported"), InlineData("ServerInfo.ChunkingSupported"), InlineData("ServerInfo.DsnSupported")]
    [InlineData("ServerInfo.MaxMessageSize"), InlineData("ServerInfo.SaslSupported"), InlineData("ServerInfo.SizeSupported")]
    [InlineData("ServerInfo.StatusCodesSupported")]
    [InlineData("Proxy.Address"), InlineData("Proxy.Authentication"), InlineData("Proxy.Password"), InlineData("Proxy.Port")]
    [InlineData("Proxy.ProxyType"), InlineData("Proxy.RequestHeaders"), InlineData("Proxy.ResponseBody")]
    [InlineData("Proxy.ResponseHeaders")]
    [InlineData("Proxy.UseIPv6"), InlineData("Proxy.UseProxy"), InlineData("Proxy.Username")]
    [InlineData("Socket.DNSMode"), InlineData("Socket.DNSPort"), InlineData("Socket.DNSQueryTimeout"), InlineData("Socket.DNSServers")]
    [InlineData("Socket.DNSTotalTimeout"), InlineData("Socket.IncomingSpeedLimit"), InlineData("Socket.LocalAddress")]
    [InlineData("Socket.LocalPort"), InlineData("Socket.OutgoingSpeedLimit"), InlineData("Socket.Timeout"), InlineData("Socket.UseIPv6")]
    [InlineData("TLS.AutoValidateCertificates"), InlineData("TLS.BaseConfiguration"), InlineData("TLS.Ciphersuites")]
    [InlineData("TLS.ECCurves")]
    [InlineData("TLS.ForceResumeIfDestinationChanges"), InlineData("TLS.PreSharedIdentity"), InlineData("TLS.PreSharedKey")]
    [InlineData("TLS.PreSharedKeyCiphersuite"), InlineData("TLS.RenegotiationAttackPreventionMode"), InlineData("TLS.RevocationCheck")]
    [InlineData("TLS.SSLOptions"), InlineData("TLS.TLSMode"), InlineData("TLS.UseExtendedMasterSecret")]
    [InlineData("TLS.UseSessionResumption")]
    [InlineData("TLS.Versions")]
    [InlineData("ExternalCrypto.CustomParams"), InlineData("ExternalCrypto.Data"), InlineData("ExternalCrypto.ExternalHashCalculation")]
    [InlineData("ExternalCrypto.HashAlgorithm"), InlineData("ExternalCrypto.KeyID"), InlineData("ExternalCrypto.KeySecret")]
    [InlineData("ExternalCrypto.Method"), InlineData("ExternalCrypto.Mode"), InlineData("ExternalCrypto.PublicKeyAlgorithm")]
    [InlineData("Domain"), InlineData("Username"), InlineData("Password")]
    [InlineData("BlockedCerts"), InlineData("ClientCerts"), InlineData("KnownCerts"), InlineData("TrustedCerts"), InlineData("ServerCerts")]
    [InlineData("KnownCRLs"), InlineData("KnownOCSPs")]
    public void EverySeedPropertyIsThere(string path)
    {
        using var client = new SmtpClient();
        object? value = client;
        foreach (var name in path.Split('.'))
        {
            var property = value!.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            Assert.True(property is not null, $"{path}: no public property {name} on {value.GetType().Name}");
            value = property.GetValue(value);
        }
    }

    [Theory]
    [InlineData("Bytes"), InlineData("Handle"), InlineData("CAKeyID"), InlineData("Fingerprint"), InlineData("Issuer")]
    [InlineData("IssuerRDN")]
    [InlineData("KeyAlgorithm"), InlineData("KeyBits"), InlineData("KeyFingerprint"), InlineData("KeyUsage"), InlineData("PublicKeyBytes")]
    [InlineData("SelfSigned"), InlineData("SerialNumber"), InlineData("SigAlgorithm"), InlineData("Subject"), InlineData("SubjectKeyID")]
    [InlineData("SubjectRDN"), InlineData("ValidFrom"), InlineData("ValidTo")]
    public void CertificateEntriesHaveTheSeedsFields(string field) =>
        Assert.NotNull(typeof(TlsCertificate).GetProperty(field, BindingFlags.Public | BindingFlags.Instance));

    [Theory]
    [InlineData("Config"), InlineData("Connect"), InlineData("Disconnect"), InlineData("SendBytes"), InlineData("SendFile")]
    [InlineData("SendMessage"), InlineData("SendStream")]
    public void EveryMethodHasAnAsyncTwinWithACancellationToken(string name)
    {
        var sync = typeof(SmtpClient).GetMethods().Where(m => m.Name == name).ToList();
        Assert.NotEmpty(sync);
        if (name == "Config")
        {
            return; // Config does no I/O
        }
        var async = typeof(SmtpClient).GetMethod(name + "Async");
        Assert.NotNull(async);
        Assert.Equal(typeof(Task), async.ReturnType);
        var last = async.GetParameters()[^1];
        Assert.Equal(typeof(CancellationToken), last.ParameterType);
        Assert.True(last.HasDefaultValue);
        Assert.Equal(sync[0].GetParameters().Select(p => p.ParameterType), async.GetParameters().SkipLast(1).Select(p => p.ParameterType));
    }

    [Theory]
    [InlineData("BeforeAuth"), InlineData("CertificateValidate"), InlineData("Command"), InlineData("CommandData")]
    [InlineData("CommandReply")]
    [InlineData("Error"), InlineData("ExternalSign"), InlineData("Notification"), InlineData("Progress")]
    public void EverySeedEventIsThere(string name) => Assert.NotNull(typeof(SmtpClient).GetEvent(name));

    public static TheoryData<string, Action<SmtpClient>> PlatformCannot => new()
    {
        { "TLS-PSK", c => c.TLS.PreSharedIdentity = "me" },
        { "TLS-PSK", c => c.TLS.PreSharedKey = "00112233" },
        { "TLS-PSK", c => c.TLS.PreSharedKeyCiphersuite = "TLS_PSK_WITH_AES_128_GCM_SHA256" },
        { "keys resumable sessions by the server's host name", c => c.TLS.ForceResumeIfDestinationChanges = true },
        { "close_notify", c => c.TLS.SSLOptions = TlsSslOptions.ExpectShutdownMessage },
        { "close_notify", c => c.TLS.SSLOptions = TlsSslOptions.DisableKexLengthAlignment },
        { "always offers Extended Master Secret", c => c.TLS.UseExtendedMasterSecret = false },
        { "does not implement them", c => c.TLS.Versions = TlsVersions.Ssl3 | TlsVersions.Tls12 },
        { "system resolver", c => c.Socket.DNSMode = DnsResolveMode.Own },
        { "system resolver", c => c.Socket.DNSMode = DnsResolveMode.OwnSecure },
        { "system resolver", c => c.Socket.DNSServers = "9.9.9.9" },
        { "system resolver", c => c.Socket.DNSPort = 5353 },
        { "system resolver", c => c.Socket.DNSQueryTimeout = 500 },
        { "system resolver", c => c.Socket.DNSTotalTimeout = 5000 },
        { "external signer", c => c.ExternalCrypto.Mode = ExternalCryptoMode.Generic },
        { "external signer", c => c.ExternalCrypto.Mode = ExternalCryptoMode.DCAuth },
        { "external signer", c => c.ExternalCrypto.Mode = ExternalCryptoMode.DCAuthJSON },
        { "cannot hand the signature", c => c.ExternalSign += (_, _) => { } },
        { "Basic only", c => c.Proxy.Authentication = ProxyAuthentication.Digest },
        { "Basic only", c => c.Proxy.Authentication = ProxyAuthentication.Ntlm },
        { "online certificate trust list", c => c.Config("UseMicrosoftCTL=True") },
        { "has none of its own", c => c.Config("UseOwnDNSResolver=True") },
        { "SMTP has none", c => c.Config("Cookies=a=b") },
        { "SMTP has none", c => c.Config("GlobalCookies=a=b") },
        { "SMTP has none", c => c.Config("CookieCaching=Local") },
        { "derives no keys", c => c.Config("DefDeriveKeyIterations=2000") },
        { "key-exchange groups", c => c.Config("EnableClientSideSSLFFDHE=False") },
        { "own limits", c => c.Config("MaxASN1BufferLength=1000") },
        { "own limits", c => c.Config("MaxASN1TreeDepth=10") },
        { "SHA-1 certificate ids", c => c.Config("OCSPHashAlgorithm=SHA256") },
        { "once per process", c => c.Config("UseSharedSystemStorages=False") },
        { "platform's cryptography", c => c.Config("UseSystemOAEPAndPSS=False") },
        { "operating system's generator", c => c.Config("UseSystemRandom=False") },
        { "Windows event log", c => c.Config("LogDestination=EventLog") },
    };

    [Theory]
    [MemberData(nameof(PlatformCannot))]
    public void WhatThePlatformCannotDoFailsWith10045SayingWhy(string why, Action<SmtpClient> ask)
    {
        using var client = new SmtpClient();
        var e = Assert.Throws<SmtpException>(() => ask(client));
        Assert.Equal(SmtpErrorCodes.NotSupported, e.Code);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void SettingAnUnchangeableMemberToWhatItIsIsAllowed()
    {
        using var client = new SmtpClient();
        client.TLS.PreSharedIdentity = "";
        client.TLS.ForceResumeIfDestinationChanges = false;
        client.TLS.SSLOptions = TlsSslOptions.None;
        client.TLS.UseExtendedMasterSecret = true;
        client.Socket.DNSMode = DnsResolveMode.Platform;
        client.Socket.DNSPort = 53;
        client.Socket.DNSServers = "";
        client.ExternalCrypto.Mode = ExternalCryptoMode.Disabled;
        client.ExternalSign -= (_, _) => { };
        client.Config("UseMicrosoftCTL=False");
        client.Config("UseSystemRandom=yes");
        client.Config("OCSPHashAlgorithm=sha1");
        Assert.Equal("True", client.Config("UseSystemRandom"));
        Assert.Equal(DnsResolveMode.Platform, client.Socket.DNSMode);
    }

    public static TheoryData<string, Action<SmtpClient>> Invalid => new()
    {
        { "Domain", c => c.Domain = "two words" },
        { "Domain", c => c.Domain = "a\r\nb" },
        { "Username", c => c.Username = "a\nb" },
        { "Password", c => c.Password = "a\rb" },
        { "TLS.Ciphersuites", c => c.TLS.Ciphersuites = "TLS_NOT_A_SUITE" },
        { "TLS.ECCurves", c => c.TLS.ECCurves = "x25519,curve99" },
        { "TLS.Versions", c => c.TLS.Versions = TlsVersions.None },
        { "TLS.Versions", c => c.TLS.Versions = (TlsVersions)0x100 },
        { "TLS.TLSMode", c => c.TLS.TLSMode = (SmtpClientTlsMode)9 },
        { "TLS.RevocationCheck", c => c.TLS.RevocationCheck = (RevocationCheckKind)99 },
        { "TLS.BaseConfiguration", c => c.TLS.BaseConfiguration = (TlsBaseConfiguration)7 },
        { "TLS.SSLOptions", c => c.TLS.SSLOptions = (TlsSslOptions)0x100 },
        { "Socket.Timeout", c => c.Socket.Timeout = -1 },
        { "Socket.LocalPort", c => c.Socket.LocalPort = 70000 },
        { "Socket.IncomingSpeedLimit", c => c.Socket.IncomingSpeedLimit = -5 },
        { "Proxy.Port", c => c.Proxy.Port = -1 },
        { "Proxy.ProxyType", c => c.Proxy.ProxyType = (ProxyType)12 },
        { "Proxy.RequestHeaders", c => c.Proxy.RequestHeaders = "no colon here" },
        { "Proxy.Address", c => c.Proxy.Address = "proxy\r\nX-Injected: 1" },
        { "ExternalCrypto.Method", c => c.ExternalCrypto.Method = (ExternalCryptoMethod)5 },
        { "Authentications", c => c.Config("Authentications=PLAIN,SPNEGO") },
        { "Authentications", c => c.Config("Authentications=") },
        { "TempPath", c => c.Config("TempPath=/no/such/directory/herald") },
        { "BinaryChunkSize", c => c.Config("BinaryChunkSize=10") },
        { "SendBufferSize", c => c.Config("SendBufferSize=12") },
        { "RemoveBCC", c => c.Config("RemoveBCC=perhaps") },
        { "LogLevel", c => c.Config("LogLevel=Loud") },
        { "LogFilters", c => c.Config("LogFilters=Protocol,Gossip") },
        { "Unknown configuration setting \"NoSuchSetting\"", c => c.Config("NoSuchSetting=1") },
        { "Unknown configuration setting \"SSLStartMode\"", c => c.Config("SSLStartMode") },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidValuesAreRefusedWith10022NamingTheSetting(string name, Action<SmtpClient> set)
    {
        using var client = new SmtpClient();
        var e = Assert.Throws<SmtpException>(() => set(client));
        Assert.Equal(SmtpErrorCodes.InvalidArgument, e.Code);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void TheExternalCryptoParametersAreKeptAsGiven()
    {
        using var client = new SmtpClient();
        var crypto = client.ExternalCrypto;
        crypto.CustomParams = "p=1";
        crypto.Data = "echo";
        crypto.ExternalHashCalculation = true;
        crypto.HashAlgorithm = "SHA384";
        crypto.KeyID = "key-1";
        crypto.KeySecret = "secret";
        crypto.Method = ExternalCryptoMethod.Pkcs7;
        crypto.PublicKeyAlgorithm = "ECDSA";
        Assert.Equal(("p=1", "echo", true, "SHA384", "key-1", "secret", ExternalCryptoMethod.Pkcs7, "ECDSA"),
            (crypto.CustomParams, crypto.Data, crypto.ExternalHashCalculation, crypto.HashAlgorithm, crypto.KeyID, crypto.KeySecret,
             crypto.Method, crypto.PublicKeyAlgorithm));
        Assert.Equal(ExternalCryptoMode.Default, crypto.Mode); // the parameters do not switch external signing on
    }

    [Fact]
    public void BaseConfigurationSetsTheVersionsAndResetsTheSuites()
    {
        using var client = new SmtpClient();
        client.TLS.Ciphersuites = "TLS_AES_128_GCM_SHA256";
        client.TLS.BaseConfiguration = TlsBaseConfiguration.HighlySecure;
        Assert.Equal(TlsVersions.Tls13, client.TLS.Versions);
        Assert.Equal("", client.TLS.Ciphersuites);
        client.TLS.BaseConfiguration = TlsBaseConfiguration.Compatible;
        Assert.Equal(TlsVersions.Tls1 | TlsVersions.Tls11 | TlsVersions.Tls12 | TlsVersions.Tls13, client.TLS.Versions);
        client.TLS.BaseConfiguration = TlsBaseConfiguration.Default;
        Assert.Equal(TlsVersions.Tls12 | TlsVersions.Tls13, client.TLS.Versions);
    }

    [Fact]
    public void EcCurveNamesAreNormalisedToIanaNames()
    {
        using var client = new SmtpClient();
        client.TLS.ECCurves = "prime256v1; X25519, P-384, x25519";
        Assert.Equal("secp256r1,x25519,secp384r1", client.TLS.ECCurves);
    }

    [Fact]
    public async Task CallsNeedAConnectionAndAValidTarget()
    {
        using var client = new SmtpClient();
        client.Msg.From = "alice@example.org";
        client.Msg.SendTo = "bob@example.com";
        var notConnected = Assert.Throws<SmtpException>(client.SendMessage);
        Assert.Equal(SmtpErrorCodes.NotConnected, notConnected.Code);
        Assert.Contains("Connect(address, port)", notConnected.Message);
        Assert.Equal(SmtpErrorCodes.NotConnected, (await Assert.ThrowsAsync<SmtpException>(() => client.SendBytesAsync([1]))).Code);
        Assert.Equal(SmtpErrorCodes.NoMailServer, Assert.Throws<SmtpException>(() => client.Connect(" ", 25)).Code);
        Assert.Equal(SmtpErrorCodes.InvalidPort, Assert.Throws<SmtpException>(() => client.Connect("localhost", 0)).Code);
        var tooHigh = await Assert.ThrowsAsync<SmtpException>(() => client.ConnectAsync("localhost", 65536));
        Assert.Equal(SmtpErrorCodes.InvalidPort, tooHigh.Code);
        var noProxy = Assert.Throws<SmtpException>(() =>
        {
            client.Proxy.UseProxy = true;
            client.Connect("localhost", 25);
        });
        Assert.Equal(SmtpErrorCodes.InvalidArgument, noProxy.Code);
        Assert.Contains("Proxy.ProxyType or Proxy.Address", noProxy.Message);
        Assert.Throws<ArgumentNullException>(() => client.Msg = null!);
        Assert.Throws<ArgumentNullException>(() => client.SendStream(null!));
        Assert.Throws<ArgumentException>(() => client.SendStream(new WriteOnly()));
        Assert.Equal(SmtpErrorCodes.CannotOpenFile,
            Assert.Throws<SmtpException>(() => client.SendFile("/no/such/file.eml")).Code);
    }

    [Fact]
    public void DisconnectWithoutASessionDoesNothingAndDisposeIsFinal()
    {
        var client = new SmtpClient();
        client.Disconnect();
        client.Dispose();
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.Connect("localhost", 25));
        Assert.Throws<ObjectDisposedException>(client.Disconnect);
    }

    private sealed class WriteOnly : MemoryStream
    {
        public override bool CanRead => false;
    }
}
