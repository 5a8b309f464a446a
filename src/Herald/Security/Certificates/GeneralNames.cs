using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Security.Certificates;

/// <summary>The kinds of RFC 5280 §4.2.1.6 GeneralName a certificate's subjectAltName may carry that Herald reads.</summary>
internal enum GeneralNameKind
{
    /// <summary>rfc822Name [1]: an e-mail address.</summary>
    Email,
    /// <summary>dNSName [2]: a host name, possibly with a leading wildcard label.</summary>
    Dns,
    /// <summary>directoryName [4]: an X.500 name.</summary>
    Directory,
    /// <summary>uniformResourceIdentifier [6].</summary>
    Uri,
    /// <summary>iPAddress [7]: an IPv4 or IPv6 address.</summary>
    IPAddress,
}

/// <summary>One subject alternative name.</summary>
internal readonly record struct GeneralName(GeneralNameKind Kind, string Value, IPAddress? Address = null);

/// <summary>Reads the subjectAltName extension (RFC 5280 §4.2.1.6) of a certificate.</summary>
internal static class GeneralNames
{
    /// <summary>The OID of the subjectAltName extension.</summary>
    public const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>
    /// Returns the names in the certificate's subjectAltName extension, in certificate order, or an empty list when
    /// there is none. Name types Herald does not use (otherName, x400Address, ediPartyName, registeredID) are skipped;
    /// a malformed extension yields the names read before the damage.
    /// </summary>
    /// <param name="certificate">The certificate.</param>
    public static IReadOnlyList<GeneralName> Read(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions[SubjectAltNameOid];
        if (extension is null)
        {
            return [];
        }
        var names = new List<GeneralName>();
        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            while (sequence.HasData)
            {
                var tag = sequence.PeekTag();
                if (tag.TagClass != TagClass.ContextSpecific)
                {
                    sequence.ReadEncodedValue();
                    continue;
                }
                switch (tag.TagValue)
                {
                    case 1:
                        names.Add(new GeneralName(GeneralNameKind.Email, sequence.ReadCharacterString(UniversalTagNumber.IA5String, tag)));
                        break;
                    case 2:
                        names.Add(new GeneralName(GeneralNameKind.Dns, sequence.ReadCharacterString(UniversalTagNumber.IA5String, tag)));
                        break;
                    case 4:
                        // directoryName is an EXPLICIT tag around a Name.
                        var explicitName = sequence.ReadSequence(tag);
                        var name = new X500DistinguishedName(explicitName.ReadEncodedValue().Span);
                        names.Add(new GeneralName(GeneralNameKind.Directory, name.Name));
                        break;
                    case 6:
                        names.Add(new GeneralName(GeneralNameKind.Uri, sequence.ReadCharacterString(UniversalTagNumber.IA5String, tag)));
                        break;
                    case 7:
                        var bytes = sequence.ReadOctetString(tag);
                        if (bytes.Length is 4 or 16)
                        {
                            var address = new IPAddress(bytes);
                            names.Add(new GeneralName(GeneralNameKind.IPAddress, address.ToString(), address));
                        }
                        break;
                    default:
                        sequence.ReadEncodedValue();
                        break;
                }
            }
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            // Keep what was readable; validation reports the certificate through the chain status anyway.
        }
        return names;
    }
}
