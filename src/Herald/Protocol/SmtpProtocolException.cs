namespace Herald.Protocol;

/// <summary>Raised by the pure protocol code when the server's bytes break the SMTP grammar or a size cap.</summary>
internal sealed class SmtpProtocolException(string message) : Exception(message);
