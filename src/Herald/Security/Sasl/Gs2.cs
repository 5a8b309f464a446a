namespace Herald.Security.Sasl;

/// <summary>The GS2 naming rules (RFC 5801 §4) that SCRAM and OAUTHBEARER share for the names in their headers.</summary>
internal static class Gs2
{
    /// <summary>A saslname: '=' becomes "=3D" and ',' becomes "=2C", so the name cannot end its attribute early.</summary>
    public static string EscapeSaslName(string value) =>
        value.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
}
