using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Transport.Proxies;

/// <summary>
/// The SOCKS5 exchange (RFC 1928): method negotiation, user name and password authentication when the proxy picks it
/// (RFC 1929), then CONNECT with an IPv4 or IPv6 address or a host name.
/// </summary>
internal static class Socks5Handshake
{
    private const byte Version = 5;
    private const byte MethodNone = 0x00;
    private const byte MethodUserPassword = 0x02;
    private const byte NoAcceptableMethod = 0xFF;
    private const byte UserPasswordVersion = 1;
    private const byte CommandConnect = 1;
    private const byte AddressIPv4 = 1;
    private const byte AddressName = 3;
    private const byte AddressIPv6 = 4;

    /// <summary>Negotiates, authenticates if asked, connects, and reads exactly the proxy's replies.</summary>
    /// <param name="io">The I/O adapter.</param>
    /// <param name="x">The exchange.</param>
    /// <exception cref="ProxyException">The proxy refused, asked for credentials that were not given, rejected them,
    /// or broke the protocol.</exception>
    public static async ValueTask<ProxyTunnel> RunAsync<TIO>(TIO io, ProxyExchange x) where TIO : struct, ISmtpIO
    {
        var proxy = x.Proxy;
        var buffer = new byte[2 + 255];

        // RFC 1928 §3: offer "no authentication", and user name/password too when there are credentials.
        byte[] methods = proxy.HasCredentials ? [MethodNone, MethodUserPassword] : [MethodNone];
        x.Info("offering authentication methods: " + string.Join(", ", methods.Select(m => DescribeMethod(m))));
        byte[] greeting = [Version, (byte)methods.Length, .. methods];
        await x.WriteAsync(io, greeting, ProxyStep.MethodSelection, "the method selection").ConfigureAwait(false);
        await x.ReadExactAsync(io, buffer.AsMemory(0, 2), ProxyStep.MethodSelection, "the reply to the method selection")
            .ConfigureAwait(false);
        RequireVersion(x, buffer, ProxyStep.MethodSelection, "the method selection");
        byte method = buffer[1];
        if (method == NoAcceptableMethod)
        {
            throw new ProxyException(proxy, x.Target.ToString(), ProxyStep.MethodSelection, proxy.HasCredentials
                ? "accepts none of the offered authentication methods (no authentication, user name and password; reply 0xFF)"
                : "requires authentication, and no user name and password was given (it refused the only method offered, "
                  + "no authentication; reply 0xFF)") { ReplyCode = method };
        }
        if (Array.IndexOf(methods, method) < 0)
        {
            throw new ProxyException(proxy, x.Target.ToString(), ProxyStep.MethodSelection,
                $"chose the authentication method 0x{method:X2} ({DescribeMethod(method)}), which was not offered") { ReplyCode = method };
        }
        if (method == MethodUserPassword)
        {
            await AuthenticateAsync(io, x, buffer).ConfigureAwait(false);
        }
        else
        {
            x.Info("the proxy asks for no authentication" + (proxy.HasCredentials ? "; the credentials are not sent" : ""));
        }

        // RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT.
        var target = x.Target;
        var address = target.Address;
        string how = "";
        if (address is null && !proxy.ProxyResolvesNames)
        {
            address = await x.ResolveAsync(io, ipv4Only: false).ConfigureAwait(false);
            how = $" (resolved here to {address})";
        }
        else if (address is null)
        {
            how = " (the proxy resolves the name)";
        }
        var request = new List<byte>(4 + 1 + 255 + 2) { Version, CommandConnect, 0 };
        if (address is null)
        {
            request.Add(AddressName);
            request.Add((byte)target.Name.Length);
            request.AddRange(Encoding.ASCII.GetBytes(target.Name));
        }
        else
        {
            request.Add(address.AddressFamily == AddressFamily.InterNetworkV6 ? AddressIPv6 : AddressIPv4);
            request.AddRange(address.GetAddressBytes());
        }
        request.Add((byte)(target.Port >> 8));
        request.Add((byte)target.Port);
        x.Info($"CONNECT {target}{how}");
        await x.WriteAsync(io, request.ToArray(), ProxyStep.Connect, "the CONNECT request").ConfigureAwait(false);

        // RFC 1928 §6: VER REP RSV ATYP BND.ADDR BND.PORT. The first two bytes decide; a refusing proxy may close
        // after them, so the rest is read only on success.
        string what = $"the reply to CONNECT {target}";
        await x.ReadExactAsync(io, buffer.AsMemory(0, 2), ProxyStep.Connect, what).ConfigureAwait(false);
        RequireVersion(x, buffer, ProxyStep.Connect, "CONNECT");
        byte code = buffer[1];
        if (code != 0)
        {
            throw new ProxyException(proxy, target.ToString(), ProxyStep.Connect,
                $"refused the connection to {target}: {Describe(code)} (reply {code})") { ReplyCode = code };
        }
        await x.ReadExactAsync(io, buffer.AsMemory(0, 2), ProxyStep.Connect, what, before: 2).ConfigureAwait(false);
        byte type = buffer[1];
        int length = type switch
        {
            AddressIPv4 => 4,
            AddressIPv6 => 16,
            AddressName => -1,
            _ => throw new ProxyException(proxy, target.ToString(), ProxyStep.Connect,
                $"answered CONNECT with the address type {type}, which RFC 1928 does not define (1, 3 and 4 are)") { ReplyCode = code },
        };
        int read = 4;
        if (length < 0)
        {
            await x.ReadExactAsync(io, buffer.AsMemory(0, 1), ProxyStep.Connect, what, before: read).ConfigureAwait(false);
            length = buffer[0];
            read++;
        }
        await x.ReadExactAsync(io, buffer.AsMemory(0, length + 2), ProxyStep.Connect, what, before: read).ConfigureAwait(false);
        string boundHost = type == AddressName
            ? Encoding.ASCII.GetString(buffer, 0, length)
            : new IPAddress(buffer.AsSpan(0, length)).ToString();
        string bound = ProxyTarget.Format(boundHost, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(length)));
        x.Info($"connected (reply 0); the proxy's side of the connection to the server is {bound}");
        return new ProxyTunnel(x.Stream, code, bound, "");
    }

    private static async ValueTask AuthenticateAsync<TIO>(TIO io, ProxyExchange x, byte[] buffer) where TIO : struct, ISmtpIO
    {
        var proxy = x.Proxy;
        byte[] user = Encoding.UTF8.GetBytes(proxy.User);
        byte[] password = Encoding.UTF8.GetBytes(proxy.Password);
        if (user.Length > 255 || password.Length > 255)
        {
            throw x.Fail(ProxyStep.Authentication,
                "cannot be sent the credentials: RFC 1929 allows at most 255 bytes each for the user name and the password");
        }
        // RFC 1929 §2: VER ULEN UNAME PLEN PASSWD. The request holds the password, so it is cleared once sent.
        var request = new byte[3 + user.Length + password.Length];
        request[0] = UserPasswordVersion;
        request[1] = (byte)user.Length;
        user.CopyTo(request, 2);
        request[2 + user.Length] = (byte)password.Length;
        password.CopyTo(request, 3 + user.Length);
        x.Info($"authenticating as \"{proxy.User}\" (RFC 1929 user name and password; the password is not shown)");
        try
        {
            await x.WriteAsync(io, request, ProxyStep.Authentication, "the user name and password").ConfigureAwait(false);
        }
        finally
        {
            Array.Clear(request);
            Array.Clear(password);
        }
        await x.ReadExactAsync(io, buffer.AsMemory(0, 2), ProxyStep.Authentication, "the reply to the user name and password")
            .ConfigureAwait(false);
        if (buffer[0] != UserPasswordVersion)
        {
            throw x.Fail(ProxyStep.Authentication,
                $"answered the user name and password with {ProxyExchange.Show(buffer.AsSpan(0, 2))} where a reply of "
                + $"version {UserPasswordVersion} (RFC 1929) was expected");
        }
        byte status = buffer[1];
        if (status != 0)
        {
            throw new ProxyException(proxy, x.Target.ToString(), ProxyStep.Authentication,
                $"rejected the user name and password of \"{proxy.User}\" (RFC 1929 status {status})") { ReplyCode = status };
        }
        x.Info("authenticated");
    }

    private static void RequireVersion(ProxyExchange x, byte[] reply, ProxyStep step, string answered)
    {
        if (reply[0] != Version)
        {
            throw x.Fail(step,
                $"answered {answered} with {ProxyExchange.Show(reply.AsSpan(0, 2))} where a reply of version 5 was expected; "
                + "is it a SOCKS5 proxy?");
        }
    }

    /// <summary>The meaning of a SOCKS5 reply code (RFC 1928 §6), in words.</summary>
    /// <param name="code">The REP field.</param>
    public static string Describe(int code) => code switch
    {
        0 => "succeeded",
        1 => "general SOCKS server failure",
        2 => "its rule set does not allow the connection",
        3 => "the network is unreachable",
        4 => "the host is unreachable",
        5 => "the destination refused the connection",
        6 => "the TTL expired before the destination was reached",
        7 => "the command is not supported",
        8 => "the address type is not supported",
        _ => "an unassigned reply code",
    };

    /// <summary>The name of a SOCKS5 authentication method (RFC 1928 §3).</summary>
    /// <param name="method">The method byte.</param>
    public static string DescribeMethod(byte method) => method switch
    {
        MethodNone => "no authentication",
        0x01 => "GSSAPI",
        MethodUserPassword => "user name and password",
        NoAcceptableMethod => "no acceptable method",
        < 0x80 => "a method assigned by IANA",
        _ => "a private method",
    };
}
