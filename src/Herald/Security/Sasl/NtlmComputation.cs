using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// The NTLM response arithmetic of MS-NLMP §3.3.1 (NTLMv1, with and without extended session security) and §3.3.2
/// (NTLMv2), kept free of message parsing so it can be checked against the specification's §4.2 examples.
/// </summary>
internal static class NtlmComputation
{
    // MS-NLMP §3.3.1: the constant the LM hash encrypts.
    private static ReadOnlySpan<byte> LmMagic => "KGS!@#$%"u8;

    /// <summary>NTOWFv1 = MD4(UNICODE(password)).</summary>
    public static byte[] NtOwfV1(string password) => Md4.HashData(Encoding.Unicode.GetBytes(password));

    /// <summary>
    /// LMOWFv1: the uppercased password, at most 14 OEM characters padded with zeros, split into two DES keys that
    /// each encrypt "KGS!@#$%". Null when the password cannot have an LM hash (longer than 14 characters, or not
    /// ASCII, since the OEM code page of the server is unknown).
    /// </summary>
    public static byte[]? LmOwfV1(string password)
    {
        string upper = password.ToUpperInvariant();
        if (upper.Length > 14 || !System.Text.Ascii.IsValid(upper))
        {
            return null;
        }

        Span<byte> padded = stackalloc byte[14];
        padded.Clear();
        Encoding.ASCII.GetBytes(upper, padded);
        byte[] hash = new byte[16];
        Span<byte> key = stackalloc byte[8];
        Des.ExpandKey(padded[..7], key);
        Des.EncryptBlock(key, LmMagic, hash);
        Des.ExpandKey(padded[7..], key);
        Des.EncryptBlock(key, LmMagic, hash.AsSpan(8));
        CryptographicOperations.ZeroMemory(padded);
        return hash;
    }

    /// <summary>NTOWFv2 = HMAC_MD5(MD4(UNICODE(password)), UNICODE(Uppercase(user) + domain)); LMOWFv2 is the same.</summary>
    public static byte[] NtOwfV2(string user, string domain, string password)
    {
        byte[] ntHash = NtOwfV1(password);
        byte[] key = HMACMD5.HashData(ntHash, Encoding.Unicode.GetBytes(user.ToUpperInvariant() + domain));
        CryptographicOperations.ZeroMemory(ntHash);
        return key;
    }

    /// <summary>
    /// DESL(K, D) (MS-NLMP §6): the 16-byte key is split into three 7-byte DES keys (the last padded with zeros), each
    /// encrypting the 8-byte <paramref name="data"/>; the 24-byte result concatenates the three blocks.
    /// </summary>
    public static byte[] DesL(ReadOnlySpan<byte> key16, ReadOnlySpan<byte> data)
    {
        Span<byte> key21 = stackalloc byte[21];
        key21.Clear();
        key16.CopyTo(key21);
        byte[] result = new byte[24];
        Span<byte> key = stackalloc byte[8];
        for (int i = 0; i < 3; i++)
        {
            Des.ExpandKey(key21.Slice(i * 7, 7), key);
            Des.EncryptBlock(key, data, result.AsSpan(i * 8));
        }

        CryptographicOperations.ZeroMemory(key21);
        return result;
    }

    /// <summary>
    /// NTLMv1 without extended session security (MS-NLMP §3.3.1): NtChallengeResponse = DESL(NTOWFv1, server
    /// challenge). The LM response is DESL(LMOWFv1, server challenge) unless <paramref name="noLmResponse"/> asks for
    /// a copy of the NT response instead (the specification's NoLMResponseNTLMv1, which keeps the weak LM hash off
    /// the wire), and always when the password has no LM hash.
    /// </summary>
    public static NtlmResponses ComputeV1(string password, ReadOnlySpan<byte> serverChallenge, bool noLmResponse)
    {
        byte[] ntOwf = NtOwfV1(password);
        byte[] nt = DesL(ntOwf, serverChallenge);
        byte[]? lmOwf = noLmResponse ? null : LmOwfV1(password);
        byte[] lm = lmOwf is null ? (byte[])nt.Clone() : DesL(lmOwf, serverChallenge);
        byte[] sessionBaseKey = Md4.HashData(ntOwf);
        CryptographicOperations.ZeroMemory(ntOwf);
        if (lmOwf is not null)
        {
            CryptographicOperations.ZeroMemory(lmOwf);
        }

        return new NtlmResponses(lm, nt, sessionBaseKey);
    }

    /// <summary>
    /// NTLMv1 with extended session security (MS-NLMP §3.3.1, NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY):
    /// NtChallengeResponse = DESL(NTOWFv1, MD5(server challenge + client challenge)[0..8]) and LmChallengeResponse
    /// = client challenge + Z(16).
    /// </summary>
    public static NtlmResponses ComputeV1WithSessionSecurity(
        string password, ReadOnlySpan<byte> serverChallenge, ReadOnlySpan<byte> clientChallenge)
    {
        byte[] ntOwf = NtOwfV1(password);
        byte[] challenges = [.. serverChallenge, .. clientChallenge];
        byte[] nt = DesL(ntOwf, MD5.HashData(challenges).AsSpan(0, 8));
        byte[] lm = new byte[24];
        clientChallenge.CopyTo(lm);
        byte[] sessionBaseKey = Md4.HashData(ntOwf);
        CryptographicOperations.ZeroMemory(ntOwf);
        return new NtlmResponses(lm, nt, sessionBaseKey);
    }

    /// <summary>
    /// NTLMv2 (MS-NLMP §3.3.2). temp = 0x01 0x01 Z(6) time clientChallenge Z(4) targetInfo Z(4); NTProofStr =
    /// HMAC_MD5(NTOWFv2, serverChallenge + temp); NtChallengeResponse = NTProofStr + temp; LmChallengeResponse =
    /// HMAC_MD5(NTOWFv2, serverChallenge + clientChallenge) + clientChallenge, or Z(24) when
    /// <paramref name="zeroLmResponse"/> (the server sent a timestamp, §3.1.5.1.2); SessionBaseKey =
    /// HMAC_MD5(NTOWFv2, NTProofStr).
    /// </summary>
    /// <param name="user">The user name, without domain.</param>
    /// <param name="domain">The user's domain.</param>
    /// <param name="password">The password.</param>
    /// <param name="serverChallenge">The 8-byte challenge from the CHALLENGE message.</param>
    /// <param name="clientChallenge">8 random bytes.</param>
    /// <param name="time">The timestamp as a Windows FILETIME (100 ns units since 1601).</param>
    /// <param name="targetInfo">The AV pairs to put in the blob, ending with MsvAvEOL.</param>
    /// <param name="zeroLmResponse">Send Z(24) as the LM response.</param>
    public static NtlmResponses ComputeV2(string user, string domain, string password, ReadOnlySpan<byte> serverChallenge,
        ReadOnlySpan<byte> clientChallenge, long time, ReadOnlySpan<byte> targetInfo, bool zeroLmResponse)
    {
        byte[] responseKey = NtOwfV2(user, domain, password);

        byte[] temp = new byte[28 + targetInfo.Length + 4];
        temp[0] = 1; // Responserversion
        temp[1] = 1; // HiResponserversion
        BinaryPrimitives.WriteInt64LittleEndian(temp.AsSpan(8), time);
        clientChallenge.CopyTo(temp.AsSpan(16));
        targetInfo.CopyTo(temp.AsSpan(28));

        byte[] proofInput = [.. serverChallenge, .. temp];
        byte[] ntProofStr = HMACMD5.HashData(responseKey, proofInput);
        byte[] nt = [.. ntProofStr, .. temp];

        byte[] lm = new byte[24];
        if (!zeroLmResponse)
        {
            byte[] challenges = [.. serverChallenge, .. clientChallenge];
            HMACMD5.HashData(responseKey, challenges).CopyTo(lm, 0);
            clientChallenge.CopyTo(lm.AsSpan(16));
        }

        byte[] sessionBaseKey = HMACMD5.HashData(responseKey, ntProofStr);
        CryptographicOperations.ZeroMemory(responseKey);
        return new NtlmResponses(lm, nt, sessionBaseKey);
    }
}
