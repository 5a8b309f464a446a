using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Herald.Security.Sasl;
using Xunit;
using static Herald.Tests.Sasl.SaslTestData;

namespace Herald.Tests.Sasl;

public class NtlmMechanismTests
{
    // MS-NLMP §4.2.2.3: the CHALLENGE message of the NTLMv1 example (no extended session security).
    private static readonly byte[] V1Challenge = Hex(
        "4e544c4d53535000 02000000 0c000c00 38000000 338202e2 0123456789abcdef 0000000000000000 0000000000000000" +
        "060070170000000f 530065007200760065007200");

    // MS-NLMP §4.2.3.3: the same with NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY.
    private static readonly byte[] V1EssChallenge = Hex(
        "4e544c4d53535000 02000000 0c000c00 38000000 33820a82 0123456789abcdef 0000000000000000 0000000000000000" +
        "060070170000000f 530065007200760065007200");

    // MS-NLMP §4.2.4.3: the CHALLENGE message of the NTLMv2 example, with target information.
    private static readonly byte[] V2Challenge = Hex(
        "4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef 0000000000000000 24002400 44000000" +
        "060070170000000f 530065007200760065007200" +
        "02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000");

    private static SaslCredentials SpecCredentials(bool useV2, string user = "User", string domain = "Domain") =>
        new(user, "Password", "", "server.example.test", useV2, domain, "COMPUTER");

    private static NtlmMechanism SpecClient(bool useV2, long clock = 0) =>
        new(SpecCredentials(useV2), NtlmComputationTests.ClientChallenge, () => clock);

    [Fact]
    public void InitialResponseIsTheNegotiateMessage()
    {
        using var ntlm = SpecClient(useV2: true);

        Assert.True(ntlm.HasInitialResponse);
        Assert.False(ntlm.SendsSecretInClear);
        byte[] negotiate = ntlm.GetInitialResponse();
        Assert.Equal(Hex("4e544c4d53535000 01000000 07820800 0000000020000000 0000000020000000"), negotiate);
        Assert.Throws<InvalidOperationException>(() => ntlm.GetInitialResponse());
    }

    [Fact]
    public void BareChallengeBeforeTheNegotiateMessageGetsIt()
    {
        using var ntlm = SpecClient(useV2: true);

        Assert.Equal("NTLMSSP\0"u8.ToArray(), ntlm.Respond([])[..8]);
        Assert.False(ntlm.IsComplete);
        Assert.NotEmpty(ntlm.Respond(V2Challenge));
        Assert.True(ntlm.IsComplete);
    }

    [Fact]
    public void NtlmV2AuthenticateMessageCarriesTheSpecResponses()
    {
        using var ntlm = SpecClient(useV2: true);
        ntlm.GetInitialResponse();

        byte[] message = ntlm.Respond(V2Challenge);

        Assert.Equal("NTLMSSP\0"u8.ToArray(), message[..8]);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(8)));
        // §4.2.4.2.1 and §4.2.4.2.2; the client's clock gives the example's time 0 as the server sent no timestamp.
        Assert.Equal(Hex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"), Field(message, 12));
        byte[] nt = Field(message, 20);
        Assert.Equal(Hex("68cd0ab851e51c96aabc927bebef6a1c"), nt[..16]);
        Assert.Equal(
            [.. Hex("0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000"), .. NtlmComputationTests.TargetInfo,
                0, 0, 0, 0],
            nt[16..]);
        Assert.Equal("Domain", Encoding.Unicode.GetString(Field(message, 28)));
        Assert.Equal("User", Encoding.Unicode.GetString(Field(message, 36)));
        Assert.Equal("COMPUTER", Encoding.Unicode.GetString(Field(message, 44)));
        Assert.Empty(Field(message, 52));
        // What both sides asked for: the server's 0xE28A8233 has no REQUEST_TARGET, and signing, sealing, key
        // exchange and the version are left out because SMTP uses none of them.
        var flags = (NtlmFlags)BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(60));
        Assert.Equal(NtlmFlags.NegotiateUnicode | NtlmFlags.NegotiateNtlm | NtlmFlags.NegotiateAlwaysSign |
                     NtlmFlags.NegotiateExtendedSessionSecurity, flags);
        // No server timestamp, so no MIC: the payload follows the 64-byte fixed part that every server reads.
        Assert.Equal(64u, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(16)));
    }

    [Fact]
    public void DomainMayComeFromTheUserName()
    {
        using var ntlm = new NtlmMechanism(SpecCredentials(true, user: "Domain\\User", domain: ""),
            NtlmComputationTests.ClientChallenge, () => 0);
        ntlm.GetInitialResponse();

        byte[] message = ntlm.Respond(V2Challenge);
        Assert.Equal("Domain", Encoding.Unicode.GetString(Field(message, 28)));
        Assert.Equal("User", Encoding.Unicode.GetString(Field(message, 36)));
        Assert.Equal(Hex("68cd0ab851e51c96aabc927bebef6a1c"), Field(message, 20)[..16]);
    }

    [Fact]
    public void ServerTimestampIsUsedAndTheMessageCarriesAMic()
    {
        // The §4.2.4.3 challenge with an MsvAvTimestamp pair added before MsvAvEOL.
        byte[] timestamp = Hex("0090d336b734c301");
        byte[] targetInfo = [.. NtlmComputationTests.TargetInfo[..^4], 0x07, 0x00, 0x08, 0x00, .. timestamp, 0, 0, 0, 0];
        byte[] challenge = [.. V2Challenge[..40], 0x30, 0x00, 0x30, 0x00, .. V2Challenge[44..68], .. targetInfo];
        using var ntlm = SpecClient(useV2: true, clock: 42);
        byte[] negotiate = ntlm.GetInitialResponse();

        byte[] message = ntlm.Respond(challenge);

        // The fixed part grows to 88 bytes to hold the Version and MIC fields.
        Assert.Equal(88u, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(16)));
        // MS-NLMP §3.1.5.1.2: with a server timestamp the LM response is Z(24) and the blob takes the server's time.
        Assert.Equal(new byte[24], Field(message, 12));
        byte[] nt = Field(message, 20);
        Assert.Equal(timestamp, nt[24..32]);
        // The blob's AV pairs announce the MIC (MsvAvFlags = 0x2) before MsvAvEOL.
        byte[] blobPairs = nt[44..^4];
        Assert.Equal([.. targetInfo[..^4], 0x06, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0, 0, 0, 0], blobPairs);

        // The MIC is HMAC_MD5(session base key, NEGOTIATE + CHALLENGE + AUTHENTICATE with a zero MIC), the session
        // base key HMAC_MD5(NTOWFv2, NTProofStr) (§3.3.2), computed here from the §4.2.4.1.1 NTOWFv2.
        byte[] sessionBaseKey = HMACMD5.HashData(Hex("0c868a403bfd7a93a3001ef22ef02e3f"), nt[..16]);
        byte[] zeroMic = (byte[])message.Clone();
        Array.Clear(zeroMic, 72, 16);
        byte[] transcript = [.. negotiate, .. challenge, .. zeroMic];
        Assert.Equal(HMACMD5.HashData(sessionBaseKey, transcript), message[72..88]);
        Assert.NotEqual(new byte[16], message[72..88]);
    }

    [Fact]
    public void NtlmV1WithoutSessionSecurityKeepsTheLmHashOffTheWire()
    {
        using var ntlm = SpecClient(useV2: false);
        ntlm.GetInitialResponse();

        byte[] message = ntlm.Respond(V1Challenge);

        // §4.2.2.2.2's NT response, repeated in the LM field instead of the LM response of §4.2.2.2.1.
        Assert.Equal(Hex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94"), Field(message, 20));
        Assert.Equal(Hex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94"), Field(message, 12));
        Assert.Equal("User", Encoding.Unicode.GetString(Field(message, 36)));
        // NTLMv1 messages keep the 64-byte fixed part of older servers: the first payload starts right after it.
        Assert.Equal(64u, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(16)));
    }

    [Fact]
    public void NtlmV1WithSessionSecurity()
    {
        using var ntlm = SpecClient(useV2: false);
        ntlm.GetInitialResponse();

        byte[] message = ntlm.Respond(V1EssChallenge);

        // §4.2.3.2.1 and §4.2.3.2.2.
        Assert.Equal(Hex("aaaaaaaaaaaaaaaa00000000000000000000000000000000"), Field(message, 12));
        Assert.Equal(Hex("7537f803ae367128ca458204bde7caf81e97ed2683267232"), Field(message, 20));
        var flags = (NtlmFlags)BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(60));
        Assert.True(flags.HasFlag(NtlmFlags.NegotiateExtendedSessionSecurity));
    }

    [Fact]
    public void OemStringsWhenTheServerDoesNotNegotiateUnicode()
    {
        byte[] challenge = (byte[])V1EssChallenge.Clone();
        challenge[20] &= 0xFE; // clear NTLMSSP_NEGOTIATE_UNICODE
        using var ntlm = SpecClient(useV2: false);
        ntlm.GetInitialResponse();

        byte[] message = ntlm.Respond(challenge);

        Assert.Equal("User"u8.ToArray(), Field(message, 36));
        var flags = (NtlmFlags)BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(60));
        Assert.True(flags.HasFlag(NtlmFlags.NegotiateOem));
        Assert.False(flags.HasFlag(NtlmFlags.NegotiateUnicode));
    }

    [Fact]
    public void ServerWithoutTargetInformationGetsABlobWithJustTheTerminator()
    {
        using var ntlm = SpecClient(useV2: true, clock: 0x01D2D400FDC80B80);
        ntlm.GetInitialResponse();

        byte[] nt = Field(ntlm.Respond(V1EssChallenge), 20);

        Assert.Equal(16 + 28 + 4 + 4, nt.Length);
        Assert.Equal(Hex("800bc8fd00d4d201"), nt[24..32]); // the client's clock as a little-endian FILETIME
    }

    [Theory]
    [InlineData("")]
    [InlineData("4e544c4d5353500002000000")] // truncated
    [InlineData("4e544c4d53535000010000000c000c003800000033820a820123456789abcdef0000000000000000")] // type 1
    [InlineData("4e544c4d53535001020000000c000c003800000033820a820123456789abcdef0000000000000000")] // bad signature
    [InlineData("4e544c4d53535000020000000c000c00f000000033820a820123456789abcdef0000000000000000")] // name outside
    public void MalformedChallengesAreRejected(string hex)
    {
        using var ntlm = SpecClient(useV2: true);
        ntlm.GetInitialResponse();

        Assert.Throws<SaslException>(() => ntlm.Respond(Hex(hex)));
    }

    [Fact]
    public void TargetInformationRunningPastTheEndIsRejected()
    {
        byte[] challenge = (byte[])V2Challenge.Clone();
        challenge[68 + 16 + 2] = 0x40; // the second pair, MsvAvNbComputerName, claims 64 bytes
        using var ntlm = SpecClient(useV2: true);
        ntlm.GetInitialResponse();

        Assert.Throws<SaslException>(() => ntlm.Respond(challenge));
    }

    [Fact]
    public void TargetInformationWithoutTerminatorIsRejected()
    {
        byte[] challenge = [.. V2Challenge[..^4]];
        challenge[40] = 0x20; // TargetInfo length without the MsvAvEOL
        using var ntlm = SpecClient(useV2: true);
        ntlm.GetInitialResponse();

        Assert.Throws<SaslException>(() => ntlm.Respond(challenge));
    }

    [Fact]
    public void SecondChallengeIsRejected()
    {
        using var ntlm = SpecClient(useV2: true);
        ntlm.GetInitialResponse();
        ntlm.Respond(V2Challenge);

        Assert.Throws<SaslException>(() => ntlm.Respond(V2Challenge));
    }

    [Fact]
    public void DomainWithoutUserIsAConfigurationError()
    {
        var error = Assert.Throws<SmtpException>(() => new NtlmMechanism(SpecCredentials(true, user: "Domain\\")));

        Assert.Equal(SmtpErrorCodes.InvalidArgument, error.Code);
    }

    [Fact]
    public void RandomClientChallengeDiffersBetweenLogins()
    {
        using var first = new NtlmMechanism(SpecCredentials(true));
        using var second = new NtlmMechanism(SpecCredentials(true));
        first.GetInitialResponse();
        second.GetInitialResponse();

        Assert.NotEqual(Field(first.Respond(V2Challenge), 20)[32..40], Field(second.Respond(V2Challenge), 20)[32..40]);
    }

    /// <summary>The payload a length/offset field of an NTLM message points to (MS-NLMP §2.2).</summary>
    private static byte[] Field(byte[] message, int at)
    {
        int length = BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(at));
        int offset = (int)BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(at + 4));
        return message[offset..(offset + length)];
    }
}
