using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

/// <summary>The MS-NLMP §4.2 examples: user "User", domain "Domain", password "Password".</summary>
public class NtlmComputationTests
{
    internal static readonly byte[] ServerChallenge = Hex("0123456789abcdef");
    internal static readonly byte[] ClientChallenge = Hex("aaaaaaaaaaaaaaaa");

    // §4.2.4.1.3: MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL.
    internal static readonly byte[] TargetInfo =
        Hex("02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000");

    [Fact]
    public void NtlmV1()
    {
        // §4.2.2.1 keys and §4.2.2.2 responses.
        Assert.Equal(Hex("a4f49c406510bdcab6824ee7c30fd852"), NtlmComputation.NtOwfV1("Password"));
        Assert.Equal(Hex("e52cac67419a9a224a3b108f3fa6cb6d"), NtlmComputation.LmOwfV1("Password"));

        NtlmResponses responses = NtlmComputation.ComputeV1("Password", ServerChallenge, noLmResponse: false);

        Assert.Equal(Hex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94"), responses.NtChallengeResponse);
        Assert.Equal(Hex("98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13"), responses.LmChallengeResponse);
        Assert.Equal(Hex("d87262b0cde4b1cb7499becccdf10784"), responses.SessionBaseKey);
    }

    [Fact]
    public void NtlmV1WithoutLmResponseRepeatsTheNtResponse()
    {
        NtlmResponses responses = NtlmComputation.ComputeV1("Password", ServerChallenge, noLmResponse: true);

        Assert.Equal(Hex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94"), responses.LmChallengeResponse);
    }

    [Fact]
    public void NtlmV1WithClientChallenge()
    {
        // §4.2.3.2.1 and §4.2.3.2.2.
        NtlmResponses responses = NtlmComputation.ComputeV1WithSessionSecurity("Password", ServerChallenge, ClientChallenge);

        Assert.Equal(Hex("aaaaaaaaaaaaaaaa00000000000000000000000000000000"), responses.LmChallengeResponse);
        Assert.Equal(Hex("7537f803ae367128ca458204bde7caf81e97ed2683267232"), responses.NtChallengeResponse);
        Assert.Equal(Hex("d87262b0cde4b1cb7499becccdf10784"), responses.SessionBaseKey);
    }

    [Fact]
    public void NtlmV2()
    {
        // §4.2.4.1.1 NTOWFv2, §4.2.4.1.2 session base key, §4.2.4.1.3 temp, §4.2.4.2 responses; the example's time is 0.
        Assert.Equal(Hex("0c868a403bfd7a93a3001ef22ef02e3f"), NtlmComputation.NtOwfV2("User", "Domain", "Password"));

        NtlmResponses responses = NtlmComputation.ComputeV2("User", "Domain", "Password", ServerChallenge,
            ClientChallenge, 0, TargetInfo, zeroLmResponse: false);

        Assert.Equal(Hex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"), responses.LmChallengeResponse);
        byte[] temp = [.. Hex("0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000"), .. TargetInfo, 0, 0, 0, 0];
        Assert.Equal([.. Hex("68cd0ab851e51c96aabc927bebef6a1c"), .. temp], responses.NtChallengeResponse);
        Assert.Equal(Hex("8de40ccadbc14a82f15cb0ad0de95ca3"), responses.SessionBaseKey);
    }

    [Fact]
    public void NtlmV2UserNameIsUppercasedButTheDomainIsNot()
    {
        Assert.Equal(NtlmComputation.NtOwfV2("User", "Domain", "Password"), NtlmComputation.NtOwfV2("USER", "Domain", "Password"));
        Assert.NotEqual(NtlmComputation.NtOwfV2("User", "Domain", "Password"), NtlmComputation.NtOwfV2("User", "DOMAIN", "Password"));
    }

    [Fact]
    public void NtlmV2LmResponseIsZeroWhenAsked()
    {
        NtlmResponses responses = NtlmComputation.ComputeV2("User", "Domain", "Password", ServerChallenge,
            ClientChallenge, 0, TargetInfo, zeroLmResponse: true);

        Assert.Equal(new byte[24], responses.LmChallengeResponse);
        Assert.Equal(Hex("68cd0ab851e51c96aabc927bebef6a1c"), responses.NtChallengeResponse[..16]);
    }

    [Theory]
    [InlineData("fifteen-chars!!")]
    [InlineData("pässword")]
    public void PasswordsWithoutAnLmHash(string password)
    {
        Assert.Null(NtlmComputation.LmOwfV1(password));
        NtlmResponses responses = NtlmComputation.ComputeV1(password, ServerChallenge, noLmResponse: false);
        Assert.Equal(responses.NtChallengeResponse, responses.LmChallengeResponse);
    }

    [Fact]
    public void ShortPasswordsUseTheAllZeroDesKeyHalf()
    {
        // The second LM key half of a password of seven characters or fewer is all zeros: the well-known AAD3B435B51404EE.
        Assert.Equal(Hex("aad3b435b51404ee"), NtlmComputation.LmOwfV1("")![8..]);
        Assert.Equal(Hex("aad3b435b51404eeaad3b435b51404ee"), NtlmComputation.LmOwfV1(""));
    }
}
