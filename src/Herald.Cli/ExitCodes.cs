using Herald.Protocol;

namespace Herald.Cli;

/// <summary>
/// The process exit codes, from BSD's sysexits.h, which mail tools (sendmail, Postfix's sendmail, msmtp) share so
/// scripts can tell "fix your command" from "try again later" from "the server said no", and the one function that
/// turns a failure into one of them.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>EX_USAGE: the command line was wrong (bad or missing option, invalid address).</summary>
    public const int Usage = 64;
    /// <summary>EX_DATAERR: the input data was wrong (body not UTF-8, message refused for its content or size).</summary>
    public const int DataError = 65;
    /// <summary>EX_NOINPUT: an input file does not exist or cannot be read.</summary>
    public const int NoInput = 66;
    /// <summary>EX_UNAVAILABLE: the server cannot be reached, or refused for good (5xx).</summary>
    public const int Unavailable = 69;
    /// <summary>EX_SOFTWARE: an internal error.</summary>
    public const int Software = 70;
    /// <summary>EX_CANTCREAT: an output file or folder cannot be created.</summary>
    public const int CannotCreate = 73;
    /// <summary>EX_TEMPFAIL: a temporary failure (4xx, timeout, interruption); trying again later may work.</summary>
    public const int TempFail = 75;
    /// <summary>EX_PROTOCOL: the server broke the protocol (a malformed or unexpected reply).</summary>
    public const int Protocol = 76;
    /// <summary>EX_NOPERM: authentication failed or the server's TLS certificate was rejected.</summary>
    public const int NoPermission = 77;
    /// <summary>EX_CONFIG: a configuration problem (unusable certificate, unsupported setting).</summary>
    public const int Config = 78;

    /// <summary>The exit code for a failure.</summary>
    /// <param name="exception">What went wrong.</param>
    public static int For(Exception exception) => exception switch
    {
        CliException cli => cli.ExitCode,
        SmtpException smtp => ForSmtp(smtp),
        FileNotFoundException or DirectoryNotFoundException => NoInput,
        OperationCanceledException => TempFail,
        _ => Software,
    };

    /// <summary>The exit code for a library error, from its <see cref="SmtpException.Code"/> and, when a server reply
    /// caused it, the reply code and enhanced status code.</summary>
    /// <param name="e">The library's exception.</param>
    public static int ForSmtp(SmtpException e) => e.Code switch
    {
        SmtpErrorCodes.ProtocolError => ForReply(e.ReplyCode, e.EnhancedStatusCode),
        // A reply the parser could not accept arrives as a communication error wrapping the parser's complaint.
        SmtpErrorCodes.CommunicationError => e.InnerException is SmtpProtocolException ? Protocol : Unavailable,
        SmtpErrorCodes.NoMailServer or SmtpErrorCodes.NoSender or SmtpErrorCodes.NoRecipient or SmtpErrorCodes.InvalidArgument
            or SmtpErrorCodes.InvalidPort or SmtpErrorCodes.InvalidRemoteAddress => Usage,
        SmtpErrorCodes.Timeout or SmtpErrorCodes.ConnectionTimedOut or SmtpErrorCodes.Interrupted => TempFail,
        // 11002: "non-authoritative host not found", a DNS answer that may change on retry.
        11002 => TempFail,
        SmtpErrorCodes.CertVerificationError => NoPermission,
        SmtpErrorCodes.CertStoreError or SmtpErrorCodes.CertNotFound or SmtpErrorCodes.NotSupported => Config,
        SmtpErrorCodes.CannotOpenFile => NoInput,
        _ => Unavailable, // refused, unreachable, host not found, TLS handshake or proxy failure, dropped connection
    };

    /// <summary>The exit code for a server's negative reply.</summary>
    /// <param name="replyCode">The three-digit reply code (0 when unknown).</param>
    /// <param name="enhancedStatusCode">The RFC 3463 code such as <c>5.7.8</c>, or empty.</param>
    public static int ForReply(int replyCode, string enhancedStatusCode)
    {
        string subject = SubjectAndDetail(enhancedStatusCode);
        // RFC 4954 §6: 530 authentication required, 534 mechanism too weak, 535 credentials invalid, 538 encryption
        // required; RFC 3463's X.7.8 (bad credentials), X.7.9 (mechanism too weak), X.7.11 (encryption required).
        if (replyCode is 530 or 534 or 535 or 538 || (replyCode >= 500 && subject is "7.8" or "7.9" or "7.11"))
        {
            return NoPermission;
        }
        if (replyCode is >= 400 and < 500)
        {
            return TempFail;
        }
        if (replyCode is >= 500 and < 600)
        {
            return subject switch
            {
                "1.3" or "1.7" => Usage,  // bad destination / sender address syntax
                "3.4" => DataError,        // message too big for the system
                _ when subject.StartsWith("6.", StringComparison.Ordinal) => DataError, // media / content problems
                _ => Unavailable,
            };
        }
        // A "failure" with a 2xx/3xx code (or none) means the reply did not fit the command: a protocol problem.
        return Protocol;
    }

    /// <summary>The "subject.detail" part of an enhanced status code ("5.7.8" gives "7.8"), or empty.</summary>
    private static string SubjectAndDetail(string enhanced)
    {
        int dot = enhanced.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? enhanced[(dot + 1)..] : "";
    }
}
