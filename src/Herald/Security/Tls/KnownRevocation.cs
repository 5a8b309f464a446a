using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Tls;

/// <summary>What revocation data said about one certificate.</summary>
internal enum RevocationStatus
{
    /// <summary>The data does not cover the certificate (wrong issuer, out of date, bad signature, no entry).</summary>
    NotCovered = 0,
    /// <summary>The data covers the certificate and it is not revoked.</summary>
    Good = 1,
    /// <summary>The data says the certificate is revoked.</summary>
    Revoked = 2,
}

/// <summary>One answer from known revocation data, with the words for the validation log.</summary>
/// <param name="Status">The answer.</param>
/// <param name="Detail">What was used or why nothing was, for the log.</param>
internal readonly record struct RevocationAnswer(RevocationStatus Status, string Detail);

/// <summary>
/// Revocation answers from CRLs (RFC 5280 §5) and OCSP responses (RFC 6960) that the application supplies, so a check
/// needs no network. Each item is used only when it is signed by the certificate's issuer (or, for OCSP, by a responder
/// that issuer delegated to, §4.2.2.2), names that issuer, and is current: a CRL between its thisUpdate and nextUpdate,
/// an OCSP response between thisUpdate and nextUpdate (or at most a week after thisUpdate when it has no nextUpdate).
/// </summary>
internal static class KnownRevocation
{
    private const string BasicOcspResponseOid = "1.3.6.1.5.5.7.48.1.1";
    private const string OcspSigningOid = "1.3.6.1.5.5.7.3.9";
    private static readonly TimeSpan s_clockSkew = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_noNextUpdateLifetime = TimeSpan.FromDays(7);

    /// <summary>Checks that <paramref name="der"/> is a CRL, for a facade that validates items as they are added.</summary>
    /// <param name="der">The DER bytes.</param>
    /// <returns>Null when it is one; otherwise what is wrong.</returns>
    public static string? ValidateCrl(byte[] der)
    {
        try
        {
            _ = ParsedCrl.Parse(der);
            return null;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            return e.Message;
        }
    }

    /// <summary>Checks that <paramref name="der"/> is a successful basic OCSP response.</summary>
    /// <param name="der">The DER bytes.</param>
    /// <returns>Null when it is one; otherwise what is wrong.</returns>
    public static string? ValidateOcspResponse(byte[] der)
    {
        try
        {
            _ = ParsedOcsp.Parse(der);
            return null;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            return e.Message;
        }
    }

    /// <summary>What the known CRLs say about <paramref name="certificate"/>.</summary>
    /// <param name="certificate">The certificate to check.</param>
    /// <param name="issuer">Its issuer's certificate (the next one in the chain).</param>
    /// <param name="crls">The known CRLs, DER.</param>
    /// <param name="utcNow">The time to judge at.</param>
    public static RevocationAnswer CheckCrl(X509Certificate2 certificate, X509Certificate2 issuer, IReadOnlyList<byte[]> crls,
        DateTime utcNow)
    {
        string? reason = null;
        foreach (var der in crls)
        {
            ParsedCrl crl;
            try
            {
                crl = ParsedCrl.Parse(der);
            }
            catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
            {
                continue;
            }
            if (!crl.Issuer.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
            {
                continue;
            }
            if (!Signatures.Verify(crl.Signed, issuer))
            {
                reason = $"a known CRL of '{issuer.Subject}' has a signature that its key does not verify";
                continue;
            }
            if (utcNow + s_clockSkew < crl.ThisUpdate || (crl.NextUpdate is { } next && utcNow > next))
            {
                reason = $"the known CRL of '{issuer.Subject}' is not current (this update {crl.ThisUpdate:u}" +
                    (crl.NextUpdate is { } n ? $", next update {n:u})" : ")");
                continue;
            }
            var serial = SerialOf(certificate);
            return crl.RevokedSerials.Contains(serial)
                ? new RevocationAnswer(RevocationStatus.Revoked, $"revoked according to the known CRL of '{issuer.Subject}'")
                : new RevocationAnswer(RevocationStatus.Good, $"not revoked according to the known CRL of '{issuer.Subject}'");
        }
        return new RevocationAnswer(RevocationStatus.NotCovered, reason ?? "no known CRL of its issuer");
    }

    /// <summary>What the known OCSP responses say about <paramref name="certificate"/>.</summary>
    /// <param name="certificate">The certificate to check.</param>
    /// <param name="issuer">Its issuer's certificate.</param>
    /// <param name="responses">The known OCSP responses, DER.</param>
    /// <param name="utcNow">The time to judge at.</param>
    public static RevocationAnswer CheckOcsp(X509Certificate2 certificate, X509Certificate2 issuer, IReadOnlyList<byte[]> responses,
        DateTime utcNow)
    {
        string? reason = null;
        var serial = SerialOf(certificate);
        foreach (var der in responses)
        {
            ParsedOcsp response;
            try
            {
                response = ParsedOcsp.Parse(der);
            }
            catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
            {
                continue;
            }
            foreach (var single in response.Responses)
            {
                if (single.Serial != serial || !single.MatchesIssuer(issuer))
                {
                    continue;
                }
                if (!response.IsSignedFor(issuer))
                {
                    reason = $"a known OCSP response for it is signed neither by '{issuer.Subject}' nor by a responder it delegated to";
                    continue;
                }
                var end = single.NextUpdate ?? single.ThisUpdate + s_noNextUpdateLifetime;
                if (utcNow + s_clockSkew < single.ThisUpdate || utcNow > end)
                {
                    reason = $"the known OCSP response for it is not current (this update {single.ThisUpdate:u})";
                    continue;
                }
                switch (single.Status)
                {
                    case 0:
                        return new RevocationAnswer(RevocationStatus.Good, "good according to a known OCSP response");
                    case 1:
                        return new RevocationAnswer(RevocationStatus.Revoked, "revoked according to a known OCSP response");
                    default:
                        reason = "a known OCSP response says its status is unknown";
                        break;
                }
            }
        }
        return new RevocationAnswer(RevocationStatus.NotCovered, reason ?? "no known OCSP response for it");
    }

    private static BigInteger SerialOf(X509Certificate2 certificate) =>
        new(certificate.SerialNumberBytes.Span, isUnsigned: false, isBigEndian: true);

    private static DateTime ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime)
            ? reader.ReadUtcTime().UtcDateTime
            : reader.ReadGeneralizedTime().UtcDateTime;

    /// <summary>The parts of a signed structure (certificate, CRL, basic OCSP response): SEQUENCE { tbs, algorithm,
    /// BIT STRING signature }.</summary>
    private sealed record SignedData(byte[] ToBeSigned, string AlgorithmOid, byte[]? AlgorithmParameters, byte[] Signature)
    {
        public static SignedData Read(AsnReader outer)
        {
            var sequence = outer.ReadSequence();
            byte[] tbs = sequence.ReadEncodedValue().ToArray();
            var (oid, parameters) = ReadAlgorithm(sequence);
            byte[] signature = sequence.ReadBitString(out _);
            return new SignedData(tbs, oid, parameters, signature);
        }
    }

    private static (string Oid, byte[]? Parameters) ReadAlgorithm(AsnReader reader)
    {
        var algorithm = reader.ReadSequence();
        string oid = algorithm.ReadObjectIdentifier();
        byte[]? parameters = algorithm.HasData ? algorithm.ReadEncodedValue().ToArray() : null;
        return (oid, parameters);
    }

    /// <summary>Signature checks for the algorithms CAs use (RSA PKCS#1 v1.5, RSA-PSS, ECDSA).</summary>
    private static class Signatures
    {
        public static bool Verify(SignedData data, X509Certificate2 signer)
        {
            try
            {
                switch (data.AlgorithmOid)
                {
                    case "1.2.840.113549.1.1.5":
                        return VerifyRsa(data, signer, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);
                    case "1.2.840.113549.1.1.11":
                        return VerifyRsa(data, signer, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                    case "1.2.840.113549.1.1.12":
                        return VerifyRsa(data, signer, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1);
                    case "1.2.840.113549.1.1.13":
                        return VerifyRsa(data, signer, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1);
                    case "1.2.840.113549.1.1.10":
                        return VerifyRsa(data, signer, PssHash(data.AlgorithmParameters), RSASignaturePadding.Pss);
                    case "1.2.840.10045.4.1":
                        return VerifyEcdsa(data, signer, HashAlgorithmName.SHA1);
                    case "1.2.840.10045.4.3.2":
                        return VerifyEcdsa(data, signer, HashAlgorithmName.SHA256);
                    case "1.2.840.10045.4.3.3":
                        return VerifyEcdsa(data, signer, HashAlgorithmName.SHA384);
                    case "1.2.840.10045.4.3.4":
                        return VerifyEcdsa(data, signer, HashAlgorithmName.SHA512);
                    default:
                        return false;
                }
            }
            catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException)
            {
                return false;
            }
        }

        private static bool VerifyRsa(SignedData data, X509Certificate2 signer, HashAlgorithmName hash, RSASignaturePadding padding)
        {
            using var rsa = signer.GetRSAPublicKey();
            return rsa is not null && rsa.VerifyData(data.ToBeSigned, data.Signature, hash, padding);
        }

        private static bool VerifyEcdsa(SignedData data, X509Certificate2 signer, HashAlgorithmName hash)
        {
            using var ecdsa = signer.GetECDsaPublicKey();
            return ecdsa is not null
                && ecdsa.VerifyData(data.ToBeSigned, data.Signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        private static HashAlgorithmName PssHash(byte[]? parameters)
        {
            // RSASSA-PSS-params (RFC 4055 §3.1): hashAlgorithm [0] defaults to SHA-1. The salt length and MGF are
            // the usual ones for the hash; .NET verifies with a salt as long as the hash.
            if (parameters is null)
            {
                return HashAlgorithmName.SHA1;
            }
            var sequence = new AsnReader(parameters, AsnEncodingRules.DER).ReadSequence();
            if (!sequence.HasData || !sequence.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                return HashAlgorithmName.SHA1;
            }
            var (oid, _) = ReadAlgorithm(sequence.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)));
            return HashFromOid(oid) ?? throw new CryptographicException($"Unknown PSS hash {oid}.");
        }
    }

    private static HashAlgorithmName? HashFromOid(string oid) => oid switch
    {
        "1.3.14.3.2.26" => HashAlgorithmName.SHA1,
        "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
        "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
        "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
        _ => null,
    };

    /// <summary>A CRL (RFC 5280 §5.1): its issuer, period and revoked serial numbers.</summary>
    private sealed class ParsedCrl
    {
        public required SignedData Signed { get; init; }
        public required byte[] Issuer { get; init; }
        public required DateTime ThisUpdate { get; init; }
        public DateTime? NextUpdate { get; init; }
        public required HashSet<BigInteger> RevokedSerials { get; init; }

        public static ParsedCrl Parse(byte[] der)
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var signed = SignedData.Read(reader);
            var tbs = new AsnReader(signed.ToBeSigned, AsnEncodingRules.DER).ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                tbs.ReadInteger(); // version v2
            }
            tbs.ReadSequence(); // signature algorithm (repeats the outer one)
            byte[] issuer = tbs.ReadEncodedValue().ToArray();
            var thisUpdate = ReadTime(tbs);
            DateTime? nextUpdate = null;
            if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime)
                || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
            {
                nextUpdate = ReadTime(tbs);
            }
            var revoked = new HashSet<BigInteger>();
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var entries = tbs.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    revoked.Add(entry.ReadInteger());
                }
            }
            return new ParsedCrl
            {
                Signed = signed, Issuer = issuer, ThisUpdate = thisUpdate, NextUpdate = nextUpdate, RevokedSerials = revoked,
            };
        }
    }

    /// <summary>A basic OCSP response (RFC 6960 §4.2.1): its single responses, signature and included certificates.</summary>
    private sealed class ParsedOcsp
    {
        public required SignedData Signed { get; init; }
        public required List<SingleResponse> Responses { get; init; }
        public required List<X509Certificate2> Certificates { get; init; }

        public static ParsedOcsp Parse(byte[] der)
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            var status = outer.ReadEnumeratedValue<OcspResponseStatus>();
            if (status != OcspResponseStatus.Successful)
            {
                throw new ArgumentException($"the OCSP response status is {status}, not successful");
            }
            var bytes = outer.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
            string type = bytes.ReadObjectIdentifier();
            if (type != BasicOcspResponseOid)
            {
                throw new ArgumentException($"the OCSP response type {type} is not the basic one ({BasicOcspResponseOid})");
            }
            var basicReader = new AsnReader(bytes.ReadOctetString(), AsnEncodingRules.DER);
            var basic = basicReader.PeekEncodedValue().ToArray();
            var signed = SignedData.Read(new AsnReader(basic, AsnEncodingRules.DER));
            var certificates = new List<X509Certificate2>();
            var basicSequence = basicReader.ReadSequence();
            basicSequence.ReadEncodedValue(); // tbsResponseData
            basicSequence.ReadSequence(); // signatureAlgorithm
            basicSequence.ReadBitString(out _);
            if (basicSequence.HasData)
            {
                var certs = basicSequence.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
                while (certs.HasData)
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(certs.ReadEncodedValue().Span));
                }
            }
            var data = new AsnReader(signed.ToBeSigned, AsnEncodingRules.DER).ReadSequence();
            if (data.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                data.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)); // version
            }
            data.ReadEncodedValue(); // responderID
            data.ReadGeneralizedTime(); // producedAt
            var responses = new List<SingleResponse>();
            var list = data.ReadSequence();
            while (list.HasData)
            {
                responses.Add(SingleResponse.Read(list.ReadSequence()));
            }
            return new ParsedOcsp { Signed = signed, Responses = responses, Certificates = certificates };
        }

        /// <summary>
        /// True when the issuer signed the response, or a certificate in it that the issuer signed, that names the issuer
        /// and carries id-kp-OCSPSigning did (RFC 6960 §4.2.2.2).
        /// </summary>
        public bool IsSignedFor(X509Certificate2 issuer)
        {
            if (Signatures.Verify(Signed, issuer))
            {
                return true;
            }
            foreach (var responder in Certificates)
            {
                if (!responder.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData) || !HasOcspSigning(responder))
                {
                    continue;
                }
                var responderSigned = SignedData.Read(new AsnReader(responder.RawData, AsnEncodingRules.DER));
                if (Signatures.Verify(responderSigned, issuer) && Signatures.Verify(Signed, responder))
                {
                    return true;
                }
            }
            return false;
        }

        private static bool HasOcspSigning(X509Certificate2 certificate) =>
            certificate.Extensions["2.5.29.37"] is X509EnhancedKeyUsageExtension eku
            && eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == OcspSigningOid);
    }

    private enum OcspResponseStatus
    {
        Successful = 0,
        MalformedRequest = 1,
        InternalError = 2,
        TryLater = 3,
        SigRequired = 5,
        Unauthorized = 6,
    }

    /// <summary>One SingleResponse: the CertID, the status (0 good, 1 revoked, 2 unknown) and the period.</summary>
    private sealed class SingleResponse
    {
        public required string HashOid { get; init; }
        public required byte[] IssuerNameHash { get; init; }
        public required byte[] IssuerKeyHash { get; init; }
        public required BigInteger Serial { get; init; }
        public required int Status { get; init; }
        public required DateTime ThisUpdate { get; init; }
        public DateTime? NextUpdate { get; init; }

        public static SingleResponse Read(AsnReader single)
        {
            var certId = single.ReadSequence();
            var (hashOid, _) = ReadAlgorithm(certId);
            byte[] nameHash = certId.ReadOctetString();
            byte[] keyHash = certId.ReadOctetString();
            var serial = certId.ReadInteger();
            var statusTag = single.PeekTag();
            int status = statusTag.TagClass == TagClass.ContextSpecific ? statusTag.TagValue : 2;
            single.ReadEncodedValue();
            var thisUpdate = single.ReadGeneralizedTime().UtcDateTime;
            DateTime? nextUpdate = null;
            if (single.HasData && single.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                nextUpdate = single.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadGeneralizedTime().UtcDateTime;
            }
            return new SingleResponse
            {
                HashOid = hashOid, IssuerNameHash = nameHash, IssuerKeyHash = keyHash, Serial = serial, Status = status,
                ThisUpdate = thisUpdate, NextUpdate = nextUpdate,
            };
        }

        /// <summary>True when the CertID's hashes are those of <paramref name="issuer"/>'s name and key (RFC 6960 §4.1.1).</summary>
        public bool MatchesIssuer(X509Certificate2 issuer)
        {
            if (HashFromOid(HashOid) is not { } hash)
            {
                return false;
            }
            byte[] name = Hash(hash, issuer.SubjectName.RawData);
            byte[] key = Hash(hash, issuer.PublicKey.EncodedKeyValue.RawData);
            return name.AsSpan().SequenceEqual(IssuerNameHash) && key.AsSpan().SequenceEqual(IssuerKeyHash);
        }

        private static byte[] Hash(HashAlgorithmName hash, byte[] data) => hash.Name switch
        {
            "SHA1" => SHA1.HashData(data),
            "SHA256" => SHA256.HashData(data),
            "SHA384" => SHA384.HashData(data),
            _ => SHA512.HashData(data),
        };
    }
}
