namespace Herald.Security.Sasl;

/// <summary>The NTLM negotiate flags this client uses (MS-NLMP §2.2.2.5).</summary>
[Flags]
internal enum NtlmFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>NTLMSSP_NEGOTIATE_UNICODE: strings are UTF-16LE.</summary>
    NegotiateUnicode = 0x00000001,
    /// <summary>NTLM_NEGOTIATE_OEM: strings are in the OEM code page.</summary>
    NegotiateOem = 0x00000002,
    /// <summary>NTLMSSP_REQUEST_TARGET: the server should send its target name.</summary>
    RequestTarget = 0x00000004,
    /// <summary>NTLMSSP_NEGOTIATE_NTLM: NTLM authentication.</summary>
    NegotiateNtlm = 0x00000200,
    /// <summary>NTLMSSP_NEGOTIATE_ALWAYS_SIGN.</summary>
    NegotiateAlwaysSign = 0x00008000,
    /// <summary>NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY: NTLMv1 mixes a client challenge into its response.</summary>
    NegotiateExtendedSessionSecurity = 0x00080000,
    /// <summary>NTLMSSP_NEGOTIATE_TARGET_INFO: the CHALLENGE message carries target information (AV pairs).</summary>
    NegotiateTargetInfo = 0x00800000,
}
