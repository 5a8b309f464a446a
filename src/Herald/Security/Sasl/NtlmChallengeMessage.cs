using System.Buffers.Binary;
using System.Text;

namespace Herald.Security.Sasl;

/// <summary>
/// A parsed NTLM CHALLENGE message (MS-NLMP §2.2.1.2), the server's Type 2 answer to the NEGOTIATE message.
/// </summary>
internal sealed class NtlmChallengeMessage
{
    /// <summary>The AV pair id of MsvAvEOL, which ends a target information list.</summary>
    public const ushort AvEol = 0;
    /// <summary>The AV pair id of MsvAvFlags.</summary>
    public const ushort AvFlags = 6;
    /// <summary>The AV pair id of MsvAvTimestamp.</summary>
    public const ushort AvTimestamp = 7;

    // "NTLMSSP\0", which starts every NTLM message.
    internal static ReadOnlySpan<byte> Signature => "NTLMSSP\0"u8;

    private NtlmChallengeMessage(NtlmFlags flags, byte[] serverChallenge, string targetName, byte[] targetInfo,
        long? timestamp)
    {
        Flags = flags;
        ServerChallenge = serverChallenge;
        TargetName = targetName;
        TargetInfo = targetInfo;
        Timestamp = timestamp;
    }

    /// <summary>The flags the server negotiated.</summary>
    public NtlmFlags Flags { get; }

    /// <summary>The 8-byte server challenge.</summary>
    public byte[] ServerChallenge { get; }

    /// <summary>The server's target name (its domain or server name), or empty.</summary>
    public string TargetName { get; }

    /// <summary>The target information AV pairs up to and including MsvAvEOL, or empty when the server sent none.</summary>
    public byte[] TargetInfo { get; }

    /// <summary>The server's MsvAvTimestamp (a FILETIME), when it sent one.</summary>
    public long? Timestamp { get; }

    /// <summary>Parses and checks a CHALLENGE message.</summary>
    /// <exception cref="SaslException">The message is truncated, is not a CHALLENGE message, or has fields pointing
    /// outside it.</exception>
    public static NtlmChallengeMessage Parse(ReadOnlySpan<byte> message)
    {
        // Signature (8), MessageType (4), TargetNameFields (8), NegotiateFlags (4), ServerChallenge (8) = 32 bytes;
        // Reserved (8) and TargetInfoFields (8) follow in every server since Windows NT 4.0 SP4.
        if (message.Length < 32 || !message[..8].SequenceEqual(Signature))
        {
            throw Malformed("it is not an NTLM message");
        }

        uint type = BinaryPrimitives.ReadUInt32LittleEndian(message[8..]);
        if (type != 2)
        {
            throw Malformed($"it is an NTLM message of type {type}, not a CHALLENGE message (type 2)");
        }

        var flags = (NtlmFlags)BinaryPrimitives.ReadUInt32LittleEndian(message[20..]);
        byte[] serverChallenge = message.Slice(24, 8).ToArray();

        ReadOnlySpan<byte> targetNameBytes = Field(message, 12, "TargetName");
        string targetName = (flags & NtlmFlags.NegotiateUnicode) != 0
            ? Encoding.Unicode.GetString(targetNameBytes)
            : Encoding.Latin1.GetString(targetNameBytes);

        byte[] targetInfo = [];
        long? timestamp = null;
        if ((flags & NtlmFlags.NegotiateTargetInfo) != 0 && message.Length >= 48)
        {
            ReadOnlySpan<byte> info = Field(message, 40, "TargetInfo");
            int length = ScanAvPairs(info, out timestamp);
            targetInfo = info[..length].ToArray();
        }

        return new NtlmChallengeMessage(flags, serverChallenge, targetName, targetInfo, timestamp);
    }

    /// <summary>
    /// Walks an AV pair list (MS-NLMP §2.2.2.1) and returns its length up to and including MsvAvEOL (0 for an empty
    /// list).
    /// </summary>
    /// <exception cref="SaslException">A pair runs past the end, or MsvAvEOL is missing.</exception>
    internal static int ScanAvPairs(ReadOnlySpan<byte> info, out long? timestamp)
    {
        timestamp = null;
        if (info.IsEmpty)
        {
            return 0;
        }

        int offset = 0;
        while (offset + 4 <= info.Length)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(info[offset..]);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(info[(offset + 2)..]);
            offset += 4;
            if (id == AvEol)
            {
                return offset;
            }

            if (offset + length > info.Length)
            {
                throw Malformed($"its target information has an AV pair (id {id}) that runs past the end");
            }

            if (id == AvTimestamp && length == 8)
            {
                timestamp = BinaryPrimitives.ReadInt64LittleEndian(info[offset..]);
            }

            offset += length;
        }

        throw Malformed("its target information does not end with MsvAvEOL");
    }

    /// <summary>Reads a length/offset field (MS-NLMP §2.2: Len, MaxLen, BufferOffset) and the bytes it points to.</summary>
    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> message, int at, string name)
    {
        int length = BinaryPrimitives.ReadUInt16LittleEndian(message[at..]);
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(message[(at + 4)..]);
        if (length == 0)
        {
            return [];
        }

        if (offset > (uint)message.Length || length > message.Length - (int)offset)
        {
            throw Malformed($"its {name} field points outside the message");
        }

        return message.Slice((int)offset, length);
    }

    private static SaslException Malformed(string detail) =>
        new($"The server's NTLM challenge (Type 2 message) is malformed: {detail}.");
}
