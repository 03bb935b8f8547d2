namespace BtfConvert.Cli;

/// <summary>Process exit codes; documented in README.md and docs/operations.md.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A bug or an unexpected failure (details with --verbose).</summary>
    public const int InternalError = 1;

    /// <summary>Bad command line: unknown option, invalid value, missing argument.</summary>
    public const int UsageError = 2;

    /// <summary>The input cannot be converted: missing, not a TIFF, damaged, or unsupported.</summary>
    public const int BadInput = 3;

    /// <summary>Reading or writing failed: permissions, disk full, network, S3 errors, source changed.</summary>
    public const int IoError = 4;

    /// <summary>The output exists and --overwrite was not given.</summary>
    public const int OutputExists = 5;

    /// <summary>Batch: some inputs failed (the others were converted or skipped).</summary>
    public const int PartialFailure = 6;

    /// <summary>Batch: another run holds the lock.</summary>
    public const int Locked = 7;

    /// <summary>verify: the output failed a check (damaged, truncated, wrong levels, or differs from --source); batch --check: some inputs have no up-to-date output.</summary>
    public const int VerificationFailed = 8;

    /// <summary>Interrupted by Ctrl-C or SIGTERM; nothing was left behind (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
