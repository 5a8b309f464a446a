using System.Buffers.Binary;

namespace Herald.Security.Sasl;

/// <summary>Builds the client's NTLM messages: NEGOTIATE (Type 1) and AUTHENTICATE (Type 3), MS-NLMP §2.2.1.</summary>
internal static class NtlmMessages
{
    /// <summary>Where the 16-byte MIC sits in an AUTHENTICATE message that has the Version and MIC fields.</summary>
    public const int MicOffset = 72;

    /// <summary>
    /// A NEGOTIATE message: signature, type 1, flags, and empty domain and workstation fields (no
    /// NTLMSSP_NEGOTIATE_OEM_*_SUPPLIED flags are set, so servers do not read them) and no Version field.
    /// </summary>
    public static byte[] Negotiate(NtlmFlags flags)
    {
        byte[] message = new byte[32];
        NtlmChallengeMessage.Signature.CopyTo(message);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), (uint)flags);
        WriteField(message, 16, 0, 32);
        WriteField(message, 24, 0, 32);
        return message;
    }

    /// <summary>
    /// An AUTHENTICATE message. With <paramref name="withMicField"/> the fixed part also holds the (zero) Version
    /// and the MIC fields, 88 bytes in all (MS-NLMP §2.2.1.3); the MIC itself is filled in by the caller. Without it
    /// the fixed part is the 64 bytes older servers know. The payload follows in the order LM response, NT response,
    /// domain, user, workstation; the servers find each through its offset.
    /// </summary>
    public static byte[] Authenticate(NtlmFlags flags, byte[] lmResponse, byte[] ntResponse, byte[] domain, byte[] user,
        byte[] workstation, bool withMicField)
    {
        int fixedLength = withMicField ? 88 : 64;
        byte[] message = new byte[fixedLength + lmResponse.Length + ntResponse.Length + domain.Length + user.Length +
                                  workstation.Length];
        NtlmChallengeMessage.Signature.CopyTo(message);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), 3);

        int offset = fixedLength;
        offset = WritePayload(message, 12, lmResponse, offset);
        offset = WritePayload(message, 20, ntResponse, offset);
        offset = WritePayload(message, 28, domain, offset);
        offset = WritePayload(message, 36, user, offset);
        offset = WritePayload(message, 44, workstation, offset);
        WriteField(message, 52, 0, offset); // EncryptedRandomSessionKey: none, as NTLMSSP_NEGOTIATE_KEY_EXCH is not used
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(60), (uint)flags);
        return message;
    }

    private static int WritePayload(byte[] message, int fieldAt, byte[] payload, int offset)
    {
        WriteField(message, fieldAt, payload.Length, offset);
        payload.CopyTo(message, offset);
        return offset + payload.Length;
    }

    private static void WriteField(byte[] message, int at, int length, int offset)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(at), (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(at + 2), (ushort)length);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(at + 4), (uint)offset);
    }
}
