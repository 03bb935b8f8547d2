using Amazon.Runtime;

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

    /// <summary>Upper bound of --s3-max-concurrent-reads: 64 × 2 MiB stays within the strip reader's 128 MiB read-ahead cap.</summary>
    public const int MaxConcurrentReadsLimit = 64;

    /// <summary>
    /// Size of one ranged GET at first. With a buffer budget B the link carries at most B / (L + R/C) (latency L,
    /// rate per connection C): smaller ranges fill it with less memory, larger ones cost fewer requests (measured:
    /// ~1 CPU-s per GB more at 1 MiB than at 4 MiB). 2 MiB: 20 reads carry ~650 MB/s at 35 ms and 70 MB/s per
    /// connection (AWS-like), for 500 GETs per GB; on slower connections the read-ahead splits them down to
    /// <see cref="MinReadSize"/>.
    /// </summary>
    public int ReadSize { get; init; } = 2 << 20;

    /// <summary>
    /// Smallest ranged GET the read-ahead splits slow reads into: 1 MiB; 32 of them carry ~140 MB/s at 30 ms and
    /// 5 MB/s per connection (20 reads of 2 MiB: ~93 MB/s).
    /// </summary>
    public int MinReadSize { get; init; } = 1 << 20;

    /// <summary>Ranged GETs the strip reader keeps in flight at first: 8 × 2 MiB, the 16 MiB that 4 × 4 MiB were.</summary>
    public int ReadConcurrency { get; init; } = 8;

    /// <summary>
    /// Most ranged GETs in flight per conversion (--s3-max-concurrent-reads, BTFCONVERT_S3_MAX_CONCURRENT_READS);
    /// null: adaptive, up to <see cref="DefaultMaxConcurrentReads"/>. The reader grows towards it only while the
    /// converter waits on reads and the link still scales; the source halves it while the store throttles.
    /// </summary>
    public int? MaxConcurrentReads { get; init; }

    /// <summary>Connections per conversion when no maximum is set: 32 reads of 1-2 MiB fill ~150 MB/s even at 5 MB/s per connection.</summary>
    public const int DefaultMaxConcurrentReads = 32;

    public int EffectiveMaxConcurrentReads => Math.Clamp(MaxConcurrentReads ?? DefaultMaxConcurrentReads, 1, MaxConcurrentReadsLimit);

    /// <summary>
    /// Bytes of pooled read buffers per conversion: <see cref="DefaultReadBudget"/>, or N reads of
    /// <see cref="ReadSize"/> when the user sets N. Reads into the converter's free band need none, so the window
    /// holds a band more than this (at the real slide's width 8 MiB + 34.6 MB: 20 reads of 2 MiB).
    /// </summary>
    public long ReadBudget => MaxConcurrentReads is { } n ? (long)Math.Clamp(n, 1, MaxConcurrentReadsLimit) * ReadSize : DefaultReadBudget;

    /// <summary>
    /// The pooled read buffer budget when no maximum is set. 8 MiB keeps a conversion at the real slide width under
    /// 256 MB, S3 output included: its level chain takes ~140 MB, the runtime and the SDK ~75 MB, the output's parts
    /// 25-30 MiB (measured peak RSS S3→S3: 236-247 MB with 8 MiB, 258-265 MB with 16 MiB, beside a band read in place).
    /// </summary>
    public long DefaultReadBudget { get; init; } = 8 << 20;

    /// <summary>Multipart part size; null picks it from the expected output size (≥ 5 MiB, ≤ 10,000 parts).
    /// Values below 5 MiB are for tests against servers that do not enforce S3's minimum.</summary>
    public int? PartSize { get; init; }

    /// <summary>Parts uploading at once at first. Outputs are compressed (JPEG ≈ 1/10 of the input, deflate ≈ 1/2),
    /// so three usually keep up with the converter on any link where reading does.</summary>
    public int MaxPartsInFlight { get; init; } = 3;

    /// <summary>Parts uploading at once at most: a part that finds every slot busy (the converter would wait on the
    /// output) adds one, up to this. Memory: (this + 2) × part size = 30 MiB with 5 MiB parts. Four, not six: with
    /// six, S3→S3 at the real slide width peaked at 259 MB once (32 MiB of reads beside 40 MiB of parts), over the
    /// 256 MB budget; four parts of 5 MiB at 20 MB/s per connection still carry ~70 MB/s, more than a deflate
    /// output (~1/2 of the input) needs at the read rates measured here.</summary>
    public int PartsInFlightLimit { get; init; } = 4;

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
