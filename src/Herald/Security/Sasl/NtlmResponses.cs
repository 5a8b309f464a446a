namespace Herald.Security.Sasl;

/// <summary>The two challenge responses and the session base key of one NTLM authentication.</summary>
/// <param name="LmChallengeResponse">The AUTHENTICATE message's LmChallengeResponse.</param>
/// <param name="NtChallengeResponse">The AUTHENTICATE message's NtChallengeResponse.</param>
/// <param name="SessionBaseKey">The session base key (MS-NLMP §3.3), from which the MIC key derives.</param>
internal sealed record NtlmResponses(byte[] LmChallengeResponse, byte[] NtChallengeResponse, byte[] SessionBaseKey);
