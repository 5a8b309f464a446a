using System.Buffers.Binary;
using System.Numerics;

namespace Herald.Security.Sasl;

/// <summary>
/// The MD4 message digest (RFC 1320), which NTLM needs for its password hash and .NET does not provide. It is only
/// used to reproduce that protocol's arithmetic, never as a general-purpose hash.
/// </summary>
internal static class Md4
{
    /// <summary>The digest length in bytes.</summary>
    public const int HashSize = 16;

    /// <summary>Computes the MD4 digest of <paramref name="data"/>.</summary>
    public static byte[] HashData(ReadOnlySpan<byte> data)
    {
        // RFC 1320 §3.3: the initial state.
        uint a = 0x67452301, b = 0xEFCDAB89, c = 0x98BADCFE, d = 0x10325476;

        int fullBlocks = data.Length / 64;
        for (int i = 0; i < fullBlocks; i++)
        {
            Transform(data.Slice(i * 64, 64), ref a, ref b, ref c, ref d);
        }

        // RFC 1320 §3.1-3.2: a 1 bit, zeros up to 56 mod 64 bytes, then the bit length as a little-endian 64-bit number.
        ReadOnlySpan<byte> rest = data[(fullBlocks * 64)..];
        Span<byte> tail = stackalloc byte[128];
        tail.Clear();
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        int tailLength = rest.Length < 56 ? 64 : 128;
        BinaryPrimitives.WriteUInt64LittleEndian(tail[(tailLength - 8)..], (ulong)data.Length * 8);
        for (int offset = 0; offset < tailLength; offset += 64)
        {
            Transform(tail.Slice(offset, 64), ref a, ref b, ref c, ref d);
        }

        byte[] digest = new byte[HashSize];
        BinaryPrimitives.WriteUInt32LittleEndian(digest, a);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(4), b);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(8), c);
        BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(12), d);
        return digest;
    }

    /// <summary>RFC 1320 §3.4: the three rounds over one 64-byte block.</summary>
    private static void Transform(ReadOnlySpan<byte> block, ref uint a, ref uint b, ref uint c, ref uint d)
    {
        Span<uint> x = stackalloc uint[16];
        for (int i = 0; i < 16; i++)
        {
            x[i] = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(i * 4, 4));
        }

        uint aa = a, bb = b, cc = c, dd = d;

        // Round 1: F(x, y, z) = xy | ~x z, words in order, shifts 3 7 11 19.
        for (int i = 0; i < 16; i += 4)
        {
            a = BitOperations.RotateLeft(a + F(b, c, d) + x[i], 3);
            d = BitOperations.RotateLeft(d + F(a, b, c) + x[i + 1], 7);
            c = BitOperations.RotateLeft(c + F(d, a, b) + x[i + 2], 11);
            b = BitOperations.RotateLeft(b + F(c, d, a) + x[i + 3], 19);
        }

        // Round 2: G(x, y, z) = xy | xz | yz plus 0x5A827999, words by column (0 4 8 12, 1 5 9 13, ...), shifts 3 5 9 13.
        const uint round2 = 0x5A827999;
        for (int i = 0; i < 4; i++)
        {
            a = BitOperations.RotateLeft(a + G(b, c, d) + x[i] + round2, 3);
            d = BitOperations.RotateLeft(d + G(a, b, c) + x[i + 4] + round2, 5);
            c = BitOperations.RotateLeft(c + G(d, a, b) + x[i + 8] + round2, 9);
            b = BitOperations.RotateLeft(b + G(c, d, a) + x[i + 12] + round2, 13);
        }

        // Round 3: H(x, y, z) = x ^ y ^ z plus 0x6ED9EBA1, words 0 8 4 12, 2 10 6 14, 1 9 5 13, 3 11 7 15,
        // shifts 3 9 11 15.
        const uint round3 = 0x6ED9EBA1;
        ReadOnlySpan<int> starts = [0, 2, 1, 3];
        foreach (int i in starts)
        {
            a = BitOperations.RotateLeft(a + (b ^ c ^ d) + x[i] + round3, 3);
            d = BitOperations.RotateLeft(d + (a ^ b ^ c) + x[i + 8] + round3, 9);
            c = BitOperations.RotateLeft(c + (d ^ a ^ b) + x[i + 4] + round3, 11);
            b = BitOperations.RotateLeft(b + (c ^ d ^ a) + x[i + 12] + round3, 15);
        }

        a += aa;
        b += bb;
        c += cc;
        d += dd;
    }

    private static uint F(uint x, uint y, uint z) => (x & y) | (~x & z);

    private static uint G(uint x, uint y, uint z) => (x & y) | (x & z) | (y & z);
}
