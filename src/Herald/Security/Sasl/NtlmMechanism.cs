using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// NTLM over SMTP AUTH: the NEGOTIATE message is the initial response (or answers an empty challenge), the server's
/// CHALLENGE message is the one challenge, and the AUTHENTICATE message answers it (MS-NLMP §3.1.5.1). NTLMv2
/// responses are the default; NTLMv1 (with extended session security when the server negotiates it) is used when
/// <see cref="SaslCredentials.UseNtlmV2"/> is false.
/// </summary>
/// <remarks>
/// When the server sends a timestamp (MsvAvTimestamp), the NTLMv2 blob announces a MIC (MsvAvFlags bit 0x2), the
/// AUTHENTICATE message carries HMAC_MD5(session key, NEGOTIATE + CHALLENGE + AUTHENTICATE), and the LM response is
/// Z(24), as MS-NLMP §3.1.5.1.2 recommends. No signing, sealing or key exchange is negotiated: SMTP uses none.
/// </remarks>
internal sealed class NtlmMechanism : SaslMechanism
{
    /// <summary>The wire name.</summary>
    public const string MechanismName = "NTLM";

    /// <summary>The flags of the NEGOTIATE message: Unicode or OEM strings, the server's target name, NTLM, always-sign
    /// and extended session security (0x00088207).</summary>
    internal const NtlmFlags RequestedFlags = NtlmFlags.NegotiateUnicode | NtlmFlags.NegotiateOem |
        NtlmFlags.RequestTarget | NtlmFlags.NegotiateNtlm | NtlmFlags.NegotiateAlwaysSign |
        NtlmFlags.NegotiateExtendedSessionSecurity;

    private readonly string _user;
    private readonly string _domain;
    private readonly string _password;
    private readonly string _workstation;
    private readonly bool _useV2;
    private readonly byte[]? _fixedClientChallenge;
    private readonly Func<long> _clock;
    // The NEGOTIATE message as sent; the MIC covers it. Null until it is produced.
    private byte[]? _negotiate;

    /// <summary>Checks the credentials and prepares the mechanism.</summary>
    /// <exception cref="SmtpException">Code 10022 when User or Password is empty.</exception>
    public NtlmMechanism(SaslCredentials credentials) : this(credentials, null, null)
    {
    }

    /// <summary>Prepares the mechanism with a fixed client challenge and clock, for tests.</summary>
    /// <exception cref="SmtpException">Code 10022 when User or Password is empty.</exception>
    internal NtlmMechanism(SaslCredentials credentials, byte[]? clientChallenge, Func<long>? clock)
    {
        CredentialChecks.RequireUser(credentials, MechanismName);
        CredentialChecks.RequirePassword(credentials, MechanismName);
        (_user, _domain) = SplitUser(credentials.User, credentials.Domain);
        if (_user.Length == 0)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument,
                $"{credentials.Terms.User} \"{credentials.User}\" names a domain but no user; write it as DOMAIN\\user.");
        }

        _password = credentials.Password;
        _workstation = credentials.Workstation;
        _useV2 = credentials.UseNtlmV2;
        _fixedClientChallenge = clientChallenge;
        _clock = clock ?? (() => DateTime.UtcNow.ToFileTimeUtc());
    }

    /// <inheritdoc/>
    public override string Name => MechanismName;

    /// <inheritdoc/>
    public override bool HasInitialResponse => true;

    /// <inheritdoc/>
    public override bool SendsSecretInClear => false;

    /// <inheritdoc/>
    public override byte[] GetInitialResponse()
    {
        if (_negotiate is not null)
        {
            throw InitialResponseAlreadyTaken();
        }

        _negotiate = NtlmMessages.Negotiate(RequestedFlags);
        return (byte[])_negotiate.Clone();
    }

    /// <inheritdoc/>
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        if (IsComplete)
        {
            throw UnexpectedChallenge();
        }

        if (_negotiate is null)
        {
            if (!challenge.IsEmpty)
            {
                throw new SaslException("The server sent an NTLM challenge before the client's NEGOTIATE message.");
            }

            return GetInitialResponse(); // RFC 4954 §4: the empty challenge asks for the initial response
        }

        if (challenge.IsEmpty)
        {
            throw new SaslException("The server answered the NTLM NEGOTIATE message with an empty challenge instead of a " +
                                    "CHALLENGE message.");
        }

        byte[] challengeBytes = challenge.ToArray();
        NtlmChallengeMessage parsed = NtlmChallengeMessage.Parse(challengeBytes);
        IsComplete = true;
        return _useV2 ? AuthenticateV2(parsed, challengeBytes) : AuthenticateV1(parsed);
    }

    private byte[] AuthenticateV1(NtlmChallengeMessage challenge)
    {
        NtlmFlags flags = ResponseFlags(challenge.Flags);
        NtlmResponses responses = (flags & NtlmFlags.NegotiateExtendedSessionSecurity) != 0
            ? NtlmComputation.ComputeV1WithSessionSecurity(_password, challenge.ServerChallenge, ClientChallenge())
            : NtlmComputation.ComputeV1(_password, challenge.ServerChallenge, noLmResponse: true);
        CryptographicOperations.ZeroMemory(responses.SessionBaseKey);
        return Build(flags, responses, withMic: false);
    }

    private byte[] AuthenticateV2(NtlmChallengeMessage challenge, byte[] challengeBytes)
    {
        NtlmFlags flags = ResponseFlags(challenge.Flags);
        bool withMic = challenge.Timestamp is not null;
        byte[] targetInfo = withMic ? AnnounceMic(challenge.TargetInfo) : challenge.TargetInfo;
        if (targetInfo.Length == 0)
        {
            targetInfo = new byte[4]; // a lone MsvAvEOL for servers that sent no target information
        }

        // MS-NLMP §3.1.5.1.2: the server's timestamp when it sent one, else the client's clock.
        long time = challenge.Timestamp ?? _clock();
        NtlmResponses responses = NtlmComputation.ComputeV2(_user, _domain, _password, challenge.ServerChallenge,
            ClientChallenge(), time, targetInfo, zeroLmResponse: withMic);
        byte[] message = Build(flags, responses, withMic);
        if (withMic)
        {
            // Without key exchange the exported session key is the session base key (MS-NLMP §3.1.5.1.2, §3.4.5.1).
            byte[] transcript = [.. _negotiate!, .. challengeBytes, .. message];
            byte[] mic = HMACMD5.HashData(responses.SessionBaseKey, transcript);
            mic.CopyTo(message, NtlmMessages.MicOffset);
        }

        CryptographicOperations.ZeroMemory(responses.SessionBaseKey);
        return message;
    }

    private byte[] Build(NtlmFlags flags, NtlmResponses responses, bool withMic)
    {
        Encoding encoding = (flags & NtlmFlags.NegotiateUnicode) != 0 ? Encoding.Unicode : Encoding.Latin1;
        return NtlmMessages.Authenticate(flags, responses.LmChallengeResponse, responses.NtChallengeResponse,
            encoding.GetBytes(_domain), encoding.GetBytes(_user), encoding.GetBytes(_workstation), withMic);
    }

    /// <summary>The flags of the AUTHENTICATE message: what both sides asked for, with one string encoding.</summary>
    private static NtlmFlags ResponseFlags(NtlmFlags serverFlags)
    {
        NtlmFlags flags = serverFlags & RequestedFlags;
        if ((flags & NtlmFlags.NegotiateUnicode) != 0)
        {
            flags &= ~NtlmFlags.NegotiateOem;
        }
        else
        {
            flags |= NtlmFlags.NegotiateOem;
        }

        return flags;
    }

    /// <summary>Copies the server's AV pairs with MsvAvFlags bit 0x2 ("a MIC is present") set, adding the pair if
    /// needed, and a closing MsvAvEOL.</summary>
    internal static byte[] AnnounceMic(byte[] targetInfo)
    {
        var output = new List<byte>(targetInfo.Length + 8);
        bool flagsSeen = false;
        int offset = 0;
        while (offset + 4 <= targetInfo.Length)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(targetInfo.AsSpan(offset));
            int length = BinaryPrimitives.ReadUInt16LittleEndian(targetInfo.AsSpan(offset + 2));
            if (id == NtlmChallengeMessage.AvEol)
            {
                break;
            }

            byte[] pair = targetInfo.AsSpan(offset, 4 + length).ToArray();
            if (id == NtlmChallengeMessage.AvFlags && length == 4)
            {
                uint value = BinaryPrimitives.ReadUInt32LittleEndian(pair.AsSpan(4)) | 0x2;
                BinaryPrimitives.WriteUInt32LittleEndian(pair.AsSpan(4), value);
                flagsSeen = true;
            }

            output.AddRange(pair);
            offset += 4 + length;
        }

        if (!flagsSeen)
        {
            output.AddRange([(byte)NtlmChallengeMessage.AvFlags, 0, 4, 0, 2, 0, 0, 0]);
        }

        output.AddRange([0, 0, 0, 0]);
        return [.. output];
    }

    private byte[] ClientChallenge() => _fixedClientChallenge ?? RandomNumberGenerator.GetBytes(8);

    /// <summary>Splits <c>DOMAIN\user</c>; an explicitly configured domain wins over the one in the user name.</summary>
    internal static (string User, string Domain) SplitUser(string user, string domain)
    {
        int backslash = user.IndexOf('\\', StringComparison.Ordinal);
        if (backslash < 0)
        {
            return (user, domain);
        }

        return (user[(backslash + 1)..], domain.Length > 0 ? domain : user[..backslash]);
    }
}
