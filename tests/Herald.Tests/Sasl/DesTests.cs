using System.Security.Cryptography;
using Herald.Security.Sasl;
using Xunit;

namespace Herald.Tests.Sasl;

public class DesTests
{
    [Fact]
    public void TextbookExample()
    {
        // The worked FIPS 46 example: key 133457799BBCDFF1, plaintext 0123456789ABCDEF.
        byte[] output = new byte[8];
        Des.EncryptBlock(Convert.FromHexString("133457799BBCDFF1"), Convert.FromHexString("0123456789ABCDEF"), output);

        Assert.Equal("85E813540F0AB405", Convert.ToHexString(output));
    }

    [Fact]
    public void AllZeroKeyThatThePlatformRefusesGivesTheEmptyLmHashHalf()
    {
        // An LM hash half of an empty (or up to 7 character) password: DES with an all-zero key over "KGS!@#$%".
        byte[] output = new byte[8];
        Des.EncryptBlock(new byte[8], "KGS!@#$%"u8, output);

        Assert.Equal("AAD3B435B51404EE", Convert.ToHexString(output));
    }

    [Fact]
    public void AgreesWithThePlatformDesOnRandomKeys()
    {
        var random = new Random(20240611);
        using var platform = DES.Create();
        for (int i = 0; i < 200; i++)
        {
            byte[] key = new byte[8];
            byte[] block = new byte[8];
            random.NextBytes(key);
            random.NextBytes(block);
            if (DES.IsWeakKey(key) || DES.IsSemiWeakKey(key))
            {
                continue;
            }

            platform.Key = key;
            byte[] output = new byte[8];
            Des.EncryptBlock(key, block, output);
            Assert.Equal(platform.EncryptEcb(block, PaddingMode.None), output);
        }
    }

    [Fact]
    public void ExpandKeySpreadsSevenBitsPerByte()
    {
        Span<byte> key = stackalloc byte[8];
        Des.ExpandKey(Convert.FromHexString("FFFFFFFFFFFFFF"), key);
        Assert.Equal("FEFEFEFEFEFEFEFE", Convert.ToHexString(key));

        Des.ExpandKey(Convert.FromHexString("80000000000001"), key);
        Assert.Equal("8000000000000002", Convert.ToHexString(key));
    }
}
