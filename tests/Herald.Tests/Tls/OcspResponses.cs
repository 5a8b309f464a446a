using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Tests.Tls;

/// <summary>
/// Builds RFC 6960 OCSP responses for tests (.NET has a CRL builder but no OCSP one): a successful basic response with
/// one SingleResponse, signed with an ECDSA key (the issuer's or a delegated responder's).
/// </summary>
internal static class OcspResponses
{
    /// <summary>The certificate status of a SingleResponse.</summary>
    public enum Status
    {
        Good = 0,
        Revoked = 1,
        Unknown = 2,
    }

    /// <summary>A response about <paramref name="certificate"/> issued by <paramref name="issuer"/>.</summary>
    /// <param name="certificate">The certificate the response is about.</param>
    /// <param name="issuer">Its issuer (names the CertID).</param>
    /// <param name="signer">Who signs: the issuer, or a responder certificate (included in the response).</param>
    /// <param name="status">The status.</param>
    /// <param name="thisUpdate">The response's thisUpdate.</param>
    /// <param name="nextUpdate">Its nextUpdate, or null for none.</param>
    public static byte[] Build(X509Certificate2 certificate, X509Certificate2 issuer, X509Certificate2 signer, Status status,
        DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate)
    {
        var data = new AsnWriter(AsnEncodingRules.DER);
        using (data.PushSequence())
        {
            using (data.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
            {
                data.WriteEncodedValue(signer.SubjectName.RawData);
            }
            data.WriteGeneralizedTime(thisUpdate, omitFractionalSeconds: true);
            using (data.PushSequence())
            {
                using (data.PushSequence())
                {
                    using (data.PushSequence())
                    {
                        using (data.PushSequence())
                        {
                            data.WriteObjectIdentifier("1.3.14.3.2.26");
                            data.WriteNull();
                        }
                        data.WriteOctetString(SHA1.HashData(issuer.SubjectName.RawData));
                        data.WriteOctetString(SHA1.HashData(issuer.PublicKey.EncodedKeyValue.RawData));
                        data.WriteInteger(new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true));
                    }
                    switch (status)
                    {
                        case Status.Good:
                            data.WriteNull(new Asn1Tag(TagClass.ContextSpecific, 0));
                            break;
                        case Status.Revoked:
                            using (data.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
                            {
                                data.WriteGeneralizedTime(thisUpdate.AddDays(-1), omitFractionalSeconds: true);
                            }
                            break;
                        default:
                            data.WriteNull(new Asn1Tag(TagClass.ContextSpecific, 2));
                            break;
                    }
                    data.WriteGeneralizedTime(thisUpdate, omitFractionalSeconds: true);
                    if (nextUpdate is { } next)
                    {
                        using (data.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                        {
                            data.WriteGeneralizedTime(next, omitFractionalSeconds: true);
                        }
                    }
                }
            }
        }
        byte[] tbs = data.Encode();
        using var key = signer.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The signer has no ECDSA key.");
        byte[] signature = key.SignData(tbs, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        var basic = new AsnWriter(AsnEncodingRules.DER);
        using (basic.PushSequence())
        {
            basic.WriteEncodedValue(tbs);
            using (basic.PushSequence())
            {
                basic.WriteObjectIdentifier("1.2.840.10045.4.3.2");
            }
            basic.WriteBitString(signature);
            if (!ReferenceEquals(signer, issuer))
            {
                using (basic.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                using (basic.PushSequence())
                {
                    basic.WriteEncodedValue(signer.RawData);
                }
            }
        }
        var response = new AsnWriter(AsnEncodingRules.DER);
        using (response.PushSequence())
        {
            response.WriteEnumeratedValue(Status.Good); // 0: successful (OCSPResponseStatus)
            using (response.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            using (response.PushSequence())
            {
                response.WriteObjectIdentifier("1.3.6.1.5.5.7.48.1.1");
                response.WriteOctetString(basic.Encode());
            }
        }
        return response.Encode();
    }

    /// <summary>A delegated OCSP responder certificate issued by <paramref name="issuer"/> (with or without
    /// id-kp-OCSPSigning).</summary>
    public static X509Certificate2 Responder(X509Certificate2 issuer, bool ocspSigning = true) =>
        TestPki.CreateLeaf("CN=OCSP Responder, O=Herald Tests", issuer, DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(30), [], [], ocspSigning ? ["1.3.6.1.5.5.7.3.9"] : [TestPki.ClientAuth]);

    /// <summary>A CRL from <paramref name="issuer"/> listing <paramref name="revoked"/>, current unless told otherwise.</summary>
    public static byte[] Crl(X509Certificate2 issuer, IEnumerable<X509Certificate2> revoked, DateTimeOffset? thisUpdate = null,
        DateTimeOffset? nextUpdate = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate);
        }
        var now = thisUpdate ?? DateTimeOffset.UtcNow.AddHours(-1);
        return builder.Build(issuer, BigInteger.One, nextUpdate ?? now.AddDays(7), HashAlgorithmName.SHA256, thisUpdate: now);
    }
}
