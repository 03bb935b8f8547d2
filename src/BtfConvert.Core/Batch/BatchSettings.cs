using BtfConvert.Core.IO;
using BtfConvert.Core.Conversion;

namespace BtfConvert.Core.Batch;

/// <summary>What a batch run converts and how; defaults match the CLI's.</summary>
public sealed record BatchSettings
{
    public const string DefaultInclude = "*.btf";
    public const string DefaultSuffix = ".tiff";

    /// <summary>Beyond the default's cap (<see cref="JobCount.MaxDefault"/>), for machines larger than any we know.</summary>
    public const int MaxJobs = 256;

    /// <summary>Source directory or prefix (s3://bucket/prefix/).</summary>
    public required string Source { get; init; }

    /// <summary>Destination directory or prefix.</summary>
    public required string Destination { get; init; }

    public IReadOnlyList<string> Include { get; init; } = [DefaultInclude];
    public IReadOnlyList<string> Exclude { get; init; } = [];
    public string Suffix { get; init; } = DefaultSuffix;
    public ConversionOptions Options { get; init; } = new();

    /// <summary>Convert even outputs whose record says they are up to date.</summary>
    public bool Force { get; init; }

    /// <summary>Replace outputs that exist without a btfconvert record (someone else's files).</summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// A conversion that reports no progress (no bytes read, no tile written) for this long is stopped and reported
    /// as failed; zero turns the watchdog off. 20 minutes: a working transfer reports progress every few seconds even
    /// over a slow link (one report per 4–8 MiB read), and the longest silent steps of a real 24 GB slide over slow S3
    /// are far shorter — CompleteMultipartUpload of ~3,000 parts (AWS: "may take several minutes") and the SDK's retries
    /// of one request (4 retries, 100 s timeout each: under 7 minutes).
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = DefaultStallTimeout;

    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromMinutes(20);

    /// <summary>Conversions at once; the CLI's default comes from <see cref="JobCount.ForThisMachine"/>.</summary>
    public int Jobs { get; init; } = 2;
    public bool FailFast { get; init; }

    /// <summary>This worker's part of the inputs (<c>--shard I/N</c>); the whole batch by default.</summary>
    public ShardSpec Shard { get; init; } = ShardSpec.Whole;

    /// <summary>Encoding threads per conversion: the cores shared among the jobs unless --threads says otherwise.</summary>
    public int ThreadsPerJob => Options.Threads > 0 ? Options.Threads : Math.Max(1, Environment.ProcessorCount / Math.Max(1, Jobs));

    public void Validate()
    {
        Options.Validate();
        StorageRouter.RejectMistypedS3(Source);
        StorageRouter.RejectMistypedS3(Destination);
        if (Jobs is < 1 or > MaxJobs)
        {
            throw new UsageException($"--jobs must be between 1 and {MaxJobs} (got {Jobs})");
        }

        if (StallTimeout < TimeSpan.Zero)
        {
            throw new UsageException($"--stall-timeout must be 0 (off) or a positive number of seconds (got {StallTimeout.TotalSeconds})");
        }

        if (string.IsNullOrEmpty(Suffix) || Suffix.Contains('/', StringComparison.Ordinal) || Suffix.Contains('\\', StringComparison.Ordinal))
        {
            throw new UsageException($"--suffix must be a non-empty file name ending such as .tiff (got '{Suffix}')");
        }

        if (Include.Count == 0)
        {
            throw new UsageException("--include needs at least one pattern");
        }
    }
}
