using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Transport.Proxies;

/// <summary>
/// The SOCKS4 and SOCKS4a CONNECT exchange. SOCKS4 ("SOCKS: A protocol for TCP proxy across firewalls", Ying-Da Lee)
/// carries an IPv4 address that the client resolved; SOCKS4a ("SOCKS 4A: A Simple Extension to SOCKS 4 Protocol")
/// sends the address 0.0.0.x and the host name after the user id, for the proxy to resolve.
/// </summary>
internal static class Socks4Handshake
{
    private const byte Version = 4;
    private const byte CommandConnect = 1;
    private const byte Granted = 90;
    private const int ReplyLength = 8;

    /// <summary>Asks the proxy to connect to the destination and reads its 8-byte reply.</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="x">The exchange.</param>
    /// <exception cref="ProxyException">The proxy refused or broke the protocol, or the destination cannot be sent.
    /// </exception>
    public static async ValueTask<ProxyTunnel> RunAsync<TIO>(TIO io, ProxyExchange x) where TIO : struct, ISmtpIO
    {
        var target = x.Target;
        if (target.Address is { AddressFamily: AddressFamily.InterNetworkV6 })
        {
            throw x.Fail(ProxyStep.Connect,
                $"cannot be asked to connect to {target}: {x.Proxy.ProtocolName} carries only IPv4 addresses (SOCKS5 reaches IPv6)");
        }
        byte[] user = Encoding.UTF8.GetBytes(x.Proxy.User);
        if (user.AsSpan().Contains((byte)0) || user.Length > 255)
        {
            throw x.Fail(ProxyStep.Connect,
                "cannot be sent the user id: it must be at most 255 bytes and contain no NUL character");
        }
        bool sendName = x.Proxy.Kind == ProxyKind.Socks4a && target.Address is null;
        var address = target.Address ?? (sendName ? null : await x.ResolveAsync(io, ipv4Only: true).ConfigureAwait(false));

        byte[] name = sendName ? Encoding.ASCII.GetBytes(target.Name) : [];
        var request = new byte[8 + user.Length + 1 + (sendName ? name.Length + 1 : 0)];
        request[0] = Version;
        request[1] = CommandConnect;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(2), (ushort)target.Port);
        if (sendName)
        {
            // SOCKS4a: 0.0.0.x with x non-zero says "the name follows the user id".
            request[7] = 1;
        }
        else
        {
            address!.TryWriteBytes(request.AsSpan(4, 4), out _);
        }
        user.CopyTo(request, 8);
        if (sendName)
        {
            name.CopyTo(request, 8 + user.Length + 1);
        }

        string destination = sendName ? $"{target} (the proxy resolves the name)" : ProxyTarget.Format(address!.ToString(), target.Port);
        x.Info($"CONNECT {destination}" + (user.Length > 0 ? $", user id \"{x.Proxy.User}\"" : ""));
        if (x.Proxy.Password.Length > 0)
        {
            x.Info("SOCKS4 has no password field; the password is not sent");
        }
        await x.WriteAsync(io, request, ProxyStep.Connect, "the CONNECT request").ConfigureAwait(false);

        var reply = new byte[ReplyLength];
        string what = $"the reply to CONNECT {target}";
        await x.ReadExactAsync(io, reply, ProxyStep.Connect, what).ConfigureAwait(false);
        // The reply's version byte is 0 (not 4) in both specifications.
        if (reply[0] != 0)
        {
            throw x.Fail(ProxyStep.Connect,
                $"answered CONNECT with {ProxyExchange.Show(reply.AsSpan(0, 2))} where a reply of version 0 was expected; "
                + "is it a SOCKS4 proxy?");
        }
        byte code = reply[1];
        if (code != Granted)
        {
            throw new ProxyException(x.Proxy, target.ToString(), ProxyStep.Connect,
                $"refused the connection to {target}: {Describe(code)} (reply {code})") { ReplyCode = code };
        }
        var bound = new IPEndPoint(new IPAddress(reply.AsSpan(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(2)));
        x.Info($"connection granted (reply {code})");
        return new ProxyTunnel(x.Stream, code, bound.ToString(), "");
    }

    /// <summary>The meaning of a SOCKS4 reply code, in words.</summary>
    /// <param name="code">The reply code (90-93 are defined).</param>
    public static string Describe(int code) => code switch
    {
        90 => "request granted",
        91 => "the request was rejected or failed (the proxy's rules forbid it, or the destination could not be reached)",
        92 => "the request was rejected because the proxy cannot reach the identd service on the client's machine",
        93 => "the request was rejected because identd on the client's machine reports a different user id",
        _ => "an undefined reply code",
    };
}
