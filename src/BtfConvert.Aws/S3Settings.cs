using Amazon.Runtime;
using BtfConvert.Core.IO;

namespace BtfConvert.Aws;

/// <summary>
/// How to reach S3 and how hard to push it. The first four come from the command line (--profile, --region,
/// --endpoint-url, --path-style); the rest have production defaults that tests shrink to exercise many parts,
/// many pages and quick retries on tiny images.
/// </summary>
public sealed record S3Settings(string? Profile = null, string? Region = null, string? EndpointUrl = null, bool PathStyle = false)
{
    public const int MinPartSize = 5 << 20;
    public const int MaxParts = 10_000;

    /// <summary>Explicit credentials (tests); null uses the SDK's default chain or <see cref="Profile"/>.</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>Upper bound of --s3-max-concurrent-reads: 64 × 2 MiB stays within the read-ahead's 128 MiB cap.</summary>
    public const int MaxConcurrentReadsLimit = 64;

    /// <summary>
    /// How inputs are read ahead when no maximum is set (<see cref="EffectiveReadAhead"/> applies one).
    /// Ranged GETs of 2 MiB at first: with a buffer budget B the link carries at most B / (L + R/C) (latency L, rate
    /// per connection C); smaller ranges fill it with less memory, larger ones cost fewer requests (measured: ~1 CPU-s
    /// per GB more at 1 MiB than at 4 MiB). 20 reads of 2 MiB carry ~650 MB/s at 35 ms and 70 MB/s per connection
    /// (AWS-like), for 500 GETs per GB; on slower connections the read-ahead splits them down to 1 MiB, and 32 of
    /// those carry ~140 MB/s at 30 ms and 5 MB/s per connection (20 reads of 2 MiB: ~93 MB/s).
    /// 8 reads at first (the 16 MiB that 4 × 4 MiB were), up to 32 while the converter waits on them and the link
    /// still scales: 32 reads of 1-2 MiB fill ~150 MB/s even at 5 MB/s per connection.
    /// 8 MiB of pooled buffers keeps a conversion at the real slide width under 256 MB, S3 output included: its level
    /// chain takes ~140 MB, the runtime and the SDK ~75 MB, the output's parts 25-30 MiB (measured peak RSS S3→S3:
    /// 236-247 MB with 8 MiB, 258-265 MB with 16 MiB, beside a band read in place). Reads into the converter's free
    /// band need no buffer, so the window holds a band more than this (at the real slide's width 8 MiB + 34.6 MB:
    /// 20 reads of 2 MiB).
    /// </summary>
    public ReadAheadPolicy ReadAhead { get; init; } = new(ReadSize: 2 << 20, InitialReads: 8, MaxReads: 32, MinReadSize: 1 << 20, BufferBudget: 8 << 20);

    /// <summary>
    /// Most ranged GETs in flight per conversion (--s3-max-concurrent-reads, BTFCONVERT_S3_MAX_CONCURRENT_READS);
    /// null: adaptive, up to <see cref="ReadAhead"/>'s most. The reader grows towards it only while the converter
    /// waits on reads and the link still scales; the source halves it while the store throttles.
    /// </summary>
    public int? MaxConcurrentReads { get; init; }

    /// <summary>
    /// <see cref="ReadAhead"/> with the user's maximum applied: N reads, and N reads of the read size as the buffer
    /// budget, when N is set.
    /// </summary>
    public ReadAheadPolicy EffectiveReadAhead
    {
        get
        {
            int most = Math.Clamp(MaxConcurrentReads ?? ReadAhead.MaxReads, 1, MaxConcurrentReadsLimit);
            return ReadAhead with
            {
                InitialReads = Math.Clamp(ReadAhead.InitialReads, 1, most),
                MaxReads = most,
                MinReadSize = Math.Min(ReadAhead.MinReadSize, ReadAhead.ReadSize),
                BufferBudget = MaxConcurrentReads is null ? ReadAhead.BufferBudget : (long)most * ReadAhead.ReadSize,
            };
        }
    }

    /// <summary>Multipart part size; null picks it from the expected output size (≥ 5 MiB, ≤ 10,000 parts).
    /// Values below 5 MiB are for tests against servers that do not enforce S3's minimum.</summary>
    public int? PartSize { get; init; }

    /// <summary>Parts uploading at once at first. Outputs are compressed (JPEG ≈ 1/10 of the input, deflate ≈ 1/2),
    /// so three usually keep up with the converter on any link where reading does.</summary>
    public int InitialPartsInFlight { get; init; } = 3;

    /// <summary>Parts uploading at once at most: a part that finds every slot busy (the converter would wait on the
    /// output) adds one, up to this. Memory: (this + 2) × part size = 30 MiB with 5 MiB parts. Four, not six: with
    /// six, S3→S3 at the real slide width peaked at 259 MB once (32 MiB of reads beside 40 MiB of parts), over the
    /// 256 MB budget; four parts of 5 MiB at 20 MB/s per connection still carry ~70 MB/s, more than a deflate
    /// output (~1/2 of the input) needs at the read rates measured here.</summary>
    public int MaxPartsInFlight { get; init; } = 4;

    /// <summary>ListObjectsV2 page size (S3's maximum is 1000).</summary>
    public int ListPageSize { get; init; } = 1000;

    /// <summary>Attempts per ranged read after the first, each resuming where the previous one stopped.</summary>
    public int MaxReadRetries { get; init; } = 6;

    /// <summary>First backoff delay; doubles per attempt (with jitter), capped at 20 s.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A response body that delivers nothing for this long is abandoned and the read resumed.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Per-request timeout of the SDK (connect + headers, and whole uploads of one part).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries the SDK itself makes for a failed request (it cannot resume a half-read body; we do).</summary>
    public int SdkMaxErrorRetry { get; init; } = 4;

    /// <summary>--endpoint-url, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; null for AWS itself.</summary>
    public string? EffectiveEndpoint(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return NonEmpty(EndpointUrl) ?? NonEmpty(environment("AWS_ENDPOINT_URL_S3")) ?? NonEmpty(environment("AWS_ENDPOINT_URL"));
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
