using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Herald.Security.Tls;

/// <summary>
/// Reaches the OpenSSL objects behind a Linux <see cref="SslStream"/>, for the things .NET does not expose: per-connection
/// key logging (SSL_CTX_set_keylog_callback), whether the session was resumed, and the negotiated key-exchange group
/// and handshake signature.
/// </summary>
/// <remarks>
/// The <c>SSL*</c> is the handle of the stream's private <c>_securityContext</c> field (a <c>SafeSslHandle</c> on
/// Unix). The libssl and libcrypto used are the very ones the .NET crypto shim loaded, found in /proc/self/maps, so
/// the structures match. Everything here degrades to "unavailable" (with the reason) rather than failing a connection:
/// only key logging, which cannot work without it, turns unavailability into an error.
/// </remarks>
internal static unsafe class PlatformTls
{
    private const int SslCtrlGetPeerSignatureNid = 108;
    private const int SslCtrlGetPeerTmpKey = 109;
    private const int SslCtrlGetNegotiatedGroup = 134;
    private const int TlsextNidUnknown = 0x1000000;

    private static readonly Lazy<Api?> s_api = new(Load);
    private static string s_unavailable = "";

    /// <summary>A description of the TLS library in use, e.g. <c>OpenSSL 3.0.19 27 Jan 2026</c>.</summary>
    public static string Description => s_api.Value?.Version ?? RuntimeInformation.OSDescription + " TLS";

    /// <summary>Null when the OpenSSL objects can be reached; otherwise why not.</summary>
    public static string? UnavailableReason => s_api.Value is null ? s_unavailable : null;

    /// <summary>The loaded API, or null.</summary>
    internal static Api? Native => s_api.Value;

    /// <summary>Returns the stream's <c>SSL*</c> handle (not yet add-ref'd), or null when it is not there.</summary>
    /// <param name="stream">A stream whose handshake has started.</param>
    public static SafeHandle? GetSslHandle(SslStream stream) => Native?.SecurityContext.GetValue(stream) as SafeHandle;

    /// <summary>What OpenSSL knows about an established session, or null when it cannot be asked.</summary>
    /// <param name="stream">An authenticated stream.</param>
    public static NativeSessionInfo? Describe(SslStream stream)
    {
        var api = Native;
        var handle = api is null ? null : GetSslHandle(stream);
        if (api is null || handle is null || handle.IsInvalid || handle.IsClosed)
        {
            return null;
        }
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            nint ssl = handle.DangerousGetHandle();
            bool resumed = api.SessionReused(ssl) == 1;
            string group = "";
            int groupNid = (int)api.Ctrl(ssl, SslCtrlGetNegotiatedGroup, 0, 0);
            if (groupNid > 0 && (groupNid & TlsextNidUnknown) == 0)
            {
                group = GroupName(api.ShortName(groupNid));
            }
            int keyBits = 0;
            nint key = 0;
            if (api.Ctrl(ssl, SslCtrlGetPeerTmpKey, 0, (nint)(&key)) != 0 && key != 0)
            {
                keyBits = api.KeyBits(key);
                if (group.Length == 0)
                {
                    group = GroupName(api.ShortName(api.KeyBaseId(key)));
                }
                api.KeyFree(key);
            }
            string signature = "";
            int typeNid = 0, hashNid = 0;
            if (api.PeerSignatureTypeNid(ssl, &typeNid) == 1)
            {
                api.Ctrl(ssl, SslCtrlGetPeerSignatureNid, 0, (nint)(&hashNid));
                signature = SignatureScheme(api.ShortName(typeNid), hashNid == 0 ? "" : api.ShortName(hashNid));
            }
            return new NativeSessionInfo(resumed, group, keyBits, signature);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            return null;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static string GroupName(string openSslName) => openSslName switch
    {
        // The IANA TLS Supported Groups names.
        "X25519" => "x25519",
        "X448" => "x448",
        "prime256v1" => "secp256r1",
        "" => "",
        _ => openSslName.ToLowerInvariant(),
    };

    private static string SignatureScheme(string type, string hash)
    {
        string h = hash.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal);
        return type switch
        {
            "RSASSA-PSS" => $"rsa_pss_{h}",
            "rsaEncryption" => $"rsa_pkcs1_{h}",
            "id-ecPublicKey" => $"ecdsa_{h}",
            "ED25519" => "ed25519",
            "ED448" => "ed448",
            "DSA" or "dsaEncryption" => $"dsa_{h}",
            _ => h.Length == 0 ? type : $"{type}_{h}",
        };
    }

    private static Api? Load()
    {
        if (!OperatingSystem.IsLinux())
        {
            s_unavailable = "it needs the OpenSSL TLS library that .NET uses on Linux, and this is " + RuntimeInformation.OSDescription;
            return null;
        }
        var field = typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);
        if (field is null || !typeof(SafeHandle).IsAssignableFrom(field.FieldType))
        {
            s_unavailable = $"this .NET version ({RuntimeInformation.FrameworkDescription}) does not expose the TLS session " +
                "handle Herald reads";
            return null;
        }
        // Make sure the runtime's crypto shim (and with it libssl) is loaded before looking for it.
        using (System.Security.Cryptography.SHA256.Create())
        {
        }
        string? sslPath = FindLoaded("libssl.so");
        string? cryptoPath = FindLoaded("libcrypto.so");
        if (sslPath is null || cryptoPath is null)
        {
            s_unavailable = "the OpenSSL libraries used by .NET were not found in this process";
            return null;
        }
        try
        {
            nint ssl = NativeLibrary.Load(sslPath);
            nint crypto = NativeLibrary.Load(cryptoPath);
            // OpenSSL 3 renamed these; 1.1 exports the old names.
            nint bits = NativeLibrary.TryGetExport(crypto, "EVP_PKEY_get_bits", out var b3)
                ? b3 : NativeLibrary.GetExport(crypto, "EVP_PKEY_bits");
            nint baseId = NativeLibrary.TryGetExport(crypto, "EVP_PKEY_get_base_id", out var i3)
                ? i3 : NativeLibrary.GetExport(crypto, "EVP_PKEY_base_id");
            nint version = NativeLibrary.TryGetExport(crypto, "OpenSSL_version", out var v) ? v : 0;
            return new Api
            {
                SecurityContext = field,
                GetCtx = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(ssl, "SSL_get_SSL_CTX"),
                SetKeylogCallback = (delegate* unmanaged<nint, nint, void>)NativeLibrary.GetExport(ssl, "SSL_CTX_set_keylog_callback"),
                GetKeylogCallback = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(ssl, "SSL_CTX_get_keylog_callback"),
                SessionReused = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(ssl, "SSL_session_reused"),
                Ctrl = (delegate* unmanaged<nint, int, nint, nint, nint>)NativeLibrary.GetExport(ssl, "SSL_ctrl"),
                PeerSignatureTypeNid =
                    (delegate* unmanaged<nint, int*, int>)NativeLibrary.GetExport(ssl, "SSL_get_peer_signature_type_nid"),
                KeyBits = (delegate* unmanaged<nint, int>)bits,
                KeyBaseId = (delegate* unmanaged<nint, int>)baseId,
                KeyFree = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(crypto, "EVP_PKEY_free"),
                NidToShortName = (delegate* unmanaged<int, nint>)NativeLibrary.GetExport(crypto, "OBJ_nid2sn"),
                Version = version == 0 ? "OpenSSL" : Marshal.PtrToStringUTF8(((delegate* unmanaged<int, nint>)version)(0)) ?? "OpenSSL",
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            s_unavailable = $"the OpenSSL library in use lacks a needed function ({e.Message})";
            return null;
        }
    }

    private static string? FindLoaded(string name)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0)
                {
                    continue;
                }
                string path = line[slash..].Trim();
                if (Path.GetFileName(path).StartsWith(name, StringComparison.Ordinal))
                {
                    return path;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>The OpenSSL functions Herald calls.</summary>
    internal sealed class Api
    {
        public required FieldInfo SecurityContext { get; init; }
        public required delegate* unmanaged<nint, nint> GetCtx { get; init; }
        public required delegate* unmanaged<nint, nint, void> SetKeylogCallback { get; init; }
        public required delegate* unmanaged<nint, nint> GetKeylogCallback { get; init; }
        public required delegate* unmanaged<nint, int> SessionReused { get; init; }
        public required delegate* unmanaged<nint, int, nint, nint, nint> Ctrl { get; init; }
        public required delegate* unmanaged<nint, int*, int> PeerSignatureTypeNid { get; init; }
        public required delegate* unmanaged<nint, int> KeyBits { get; init; }
        public required delegate* unmanaged<nint, int> KeyBaseId { get; init; }
        public required delegate* unmanaged<nint, void> KeyFree { get; init; }
        public required delegate* unmanaged<int, nint> NidToShortName { get; init; }
        public required string Version { get; init; }

        public string ShortName(int nid) => nid <= 0 ? "" : Marshal.PtrToStringUTF8(NidToShortName(nid)) ?? "";
    }
}

/// <summary>Session facts read from OpenSSL.</summary>
/// <param name="Resumed">The session was resumed from an earlier one.</param>
/// <param name="Group">The key-exchange group by its IANA name (x25519, secp256r1, ffdhe2048, ...), or empty.</param>
/// <param name="KeyBits">The size of the server's ephemeral key in bits, or 0.</param>
/// <param name="SignatureScheme">The server's handshake signature, e.g. rsa_pss_sha256, or empty.</param>
internal sealed record NativeSessionInfo(bool Resumed, string Group, int KeyBits, string SignatureScheme);
