using System.Text;
using Herald.Security.Sasl;
using Xunit;

namespace Herald.Tests.Sasl;

public class Md4Tests
{
    // RFC 1320 appendix A.5, the test suite.
    [Theory]
    [InlineData("", "31d6cfe0d16ae931b73c59d7e0c089c0")]
    [InlineData("a", "bde52cb31de33e46245e05fbdbd6fb24")]
    [InlineData("abc", "a448017aaf21d8525fc10ae87aa6729d")]
    [InlineData("message digest", "d9130a8164549fe818874806e1c7014b")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
        "e33b4ddc9c38f2199c3e7b164fcc0536")]
    public void Rfc1320TestSuite(string input, string digest)
    {
        Assert.Equal(digest, Convert.ToHexStringLower(Md4.HashData(Encoding.ASCII.GetBytes(input))));
    }

    [Fact]
    public void NtHashOfPasswordMatchesMsNlmp()
    {
        // MS-NLMP §4.2.2.1.2: NTOWFv1("Password") is MD4 of its UTF-16LE bytes.
        Assert.Equal("a4f49c406510bdcab6824ee7c30fd852",
            Convert.ToHexStringLower(Md4.HashData(Encoding.Unicode.GetBytes("Password"))));
    }

    [Theory]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(128)]
    public void InputsAroundTheBlockBoundaryHashTheSameInOneSpanOrACopy(int length)
    {
        // The padding spills into a second block from 56 bytes on; hashing a slice of a larger buffer must not read
        // past the slice.
        byte[] buffer = Enumerable.Range(0, length + 7).Select(i => (byte)(i * 31)).ToArray();
        byte[] exact = buffer[..length];

        Assert.Equal(Md4.HashData(exact), Md4.HashData(buffer.AsSpan(0, length)));
        Assert.NotEqual(Md4.HashData(exact), Md4.HashData(buffer.AsSpan(0, length + 1)));
    }
}
