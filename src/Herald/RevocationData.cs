using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using Herald.Security.Tls;

namespace Herald;

/// <summary>
/// A certificate revocation list (RFC 5280 §5) that <see cref="SmtpClient.KnownCRLs"/> holds, so a CRL check can be
/// answered without the network.
/// </summary>
public sealed class CertificateRevocationList
{
    private byte[] _bytes;
    private long _handle;

    /// <summary>Reads a CRL in DER form (or PEM, <c>-----BEGIN X509 CRL-----</c>).</summary>
    /// <param name="data">The CRL.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="SmtpException">10022 when the data is not a CRL.</exception>
    public CertificateRevocationList(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var der = RevocationHandles.FromPem(data, "X509 CRL");
        if (KnownRevocation.ValidateCrl(der) is { } problem)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"The data is not a certificate revocation list: {problem}");
        }
        _bytes = der;
        _handle = RevocationHandles.Register(der);
    }

    /// <summary>The CRL in DER form.</summary>
    public byte[] Bytes => _bytes;

    /// <summary>An identifier of the CRL object; setting another live CRL's handle makes this entry refer to that one.</summary>
    /// <exception cref="SmtpException">10022 when set to a handle that names no live CRL.</exception>
    public long Handle
    {
        get => _handle;
        set
        {
            _bytes = RevocationHandles.Resolve(value, "CRL");
            _handle = value;
        }
    }
}

/// <summary>
/// An OCSP response (RFC 6960, a successful basic response) that <see cref="SmtpClient.KnownOCSPs"/> holds, so an OCSP
/// check can be answered without the network.
/// </summary>
public sealed class OcspResponse
{
    private byte[] _bytes;
    private long _handle;

    /// <summary>Reads an OCSP response in DER form.</summary>
    /// <param name="data">The response.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="SmtpException">10022 when the data is not a successful basic OCSP response.</exception>
    public OcspResponse(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (KnownRevocation.ValidateOcspResponse(data) is { } problem)
        {
            throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"The data is not a usable OCSP response: {problem}");
        }
        _bytes = data;
        _handle = RevocationHandles.Register(data);
    }

    /// <summary>The response in DER form.</summary>
    public byte[] Bytes => _bytes;

    /// <summary>An identifier of the response object; setting another live response's handle makes this entry refer to
    /// that one.</summary>
    /// <exception cref="SmtpException">10022 when set to a handle that names no live response.</exception>
    public long Handle
    {
        get => _handle;
        set
        {
            _bytes = RevocationHandles.Resolve(value, "OCSP response");
            _handle = value;
        }
    }
}

/// <summary>The CRLs <see cref="SmtpClient.KnownCRLs"/> holds.</summary>
public sealed class CertificateRevocationListCollection : Collection<CertificateRevocationList>
{
    /// <summary>Adds a CRL from its DER (or PEM) bytes.</summary>
    /// <param name="data">The CRL.</param>
    /// <exception cref="SmtpException">10022 when the data is not a CRL.</exception>
    public void Add(byte[] data) => Add(new CertificateRevocationList(data));

    /// <inheritdoc />
    protected override void InsertItem(int index, CertificateRevocationList item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.InsertItem(index, item);
    }

    /// <inheritdoc />
    protected override void SetItem(int index, CertificateRevocationList item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.SetItem(index, item);
    }
}

/// <summary>The OCSP responses <see cref="SmtpClient.KnownOCSPs"/> holds.</summary>
public sealed class OcspResponseCollection : Collection<OcspResponse>
{
    /// <summary>Adds an OCSP response from its DER bytes.</summary>
    /// <param name="data">The response.</param>
    /// <exception cref="SmtpException">10022 when the data is not a successful basic OCSP response.</exception>
    public void Add(byte[] data) => Add(new OcspResponse(data));

    /// <inheritdoc />
    protected override void InsertItem(int index, OcspResponse item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.InsertItem(index, item);
    }

    /// <inheritdoc />
    protected override void SetItem(int index, OcspResponse item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.SetItem(index, item);
    }
}

/// <summary>Handles of CRL and OCSP objects, so components can share them.</summary>
internal static class RevocationHandles
{
    private static long s_last;
    private static readonly ConcurrentDictionary<long, WeakReference<byte[]>> s_items = new();

    public static long Register(byte[] data)
    {
        long handle = Interlocked.Increment(ref s_last);
        s_items[handle] = new WeakReference<byte[]>(data);
        return handle;
    }

    public static byte[] Resolve(long handle, string what) =>
        s_items.TryGetValue(handle, out var reference) && reference.TryGetTarget(out var data)
            ? data
            : throw new SmtpException(SmtpErrorCodes.InvalidArgument, $"Handle {handle} names no {what} that is still in use.");

    /// <summary>The DER bytes of a PEM block with <paramref name="label"/>, or the bytes as given when they are not PEM.</summary>
    public static byte[] FromPem(byte[] data, string label)
    {
        if (data.Length == 0 || data[0] != (byte)'-')
        {
            return data;
        }
        var text = System.Text.Encoding.ASCII.GetString(data);
        return System.Security.Cryptography.PemEncoding.TryFind(text, out var fields)
            && text[fields.Label].Equals(label, StringComparison.Ordinal)
            ? Convert.FromBase64String(text[fields.Base64Data])
            : data;
    }
}
