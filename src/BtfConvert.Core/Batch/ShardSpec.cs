using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Utf8 = System.Text.Encoding;

namespace BtfConvert.Core.Batch;

/// <summary>
/// Which part of a batch this worker takes (<c>--shard I/N</c>), so that N copies of one command started by a
/// scheduler split the inputs without talking to each other. An input belongs to shard
/// <see cref="ShardOf"/>: the first 8 bytes of SHA-256 of the UTF-8 path relative to SRC ('/'-separated, as the
/// globs see it), read as a big-endian unsigned 64-bit integer, modulo N. That depends only on the relative path:
/// not on listing order, on files added later, on the machine or on SRC's own name. docs/scale-out.md.
/// </summary>
public sealed record ShardSpec
{
    /// <summary>Slurm: set in every job; its array task ID is the shard index.</summary>
    public const string SlurmJobVariable = "SLURM_JOB_ID";
    public const string SlurmTaskIdVariable = "SLURM_ARRAY_TASK_ID";
    public const string SlurmTaskMaxVariable = "SLURM_ARRAY_TASK_MAX";
    public const string SlurmTaskCountVariable = "SLURM_ARRAY_TASK_COUNT";

    /// <summary>AWS Batch: set in every job's container; the array index only in array children.</summary>
    public const string AwsBatchJobVariable = "AWS_BATCH_JOB_ID";
    public const string AwsBatchIndexVariable = "AWS_BATCH_JOB_ARRAY_INDEX";

    /// <summary>Kubernetes: set in every container; the completion index only in Indexed Jobs.</summary>
    public const string KubernetesVariable = "KUBERNETES_SERVICE_HOST";
    public const string KubernetesIndexVariable = "JOB_COMPLETION_INDEX";

    /// <summary>N for <c>--shard auto</c> without /N (AWS Batch and Kubernetes do not tell a child the array size).</summary>
    public const string CountVariable = "BTFCONVERT_SHARDS";

    /// <summary>The whole batch: what a run without <c>--shard</c> does.</summary>
    public static readonly ShardSpec Whole = new(0, 1, all: false);

    private ShardSpec(int index, int count, bool all, string? indexSource = null, string? caution = null)
    {
        Index = index;
        Count = count;
        IsAll = all;
        IndexSource = indexSource;
        Caution = caution;
    }

    /// <summary>This worker's shard, 0 ≤ Index &lt; Count (0 for <c>all/N</c>).</summary>
    public int Index { get; }

    /// <summary>N, the number of shards.</summary>
    public int Count { get; }

    /// <summary><c>all/N</c>: every input, each labelled with its shard (only for --dry-run's balance and --check).</summary>
    public bool IsAll { get; }

    /// <summary>
    /// For <c>auto</c>: the variable the index was read from and the scheduler that set it, e.g.
    /// <c>SLURM_ARRAY_TASK_ID=3 (Slurm, SLURM_JOB_ID=1234)</c>; null when the index was given.
    /// </summary>
    public string? IndexSource { get; }

    /// <summary>The name of the variable the index was read from (<c>auto</c>); null when given.</summary>
    public string? IndexVariable => IndexSource?[..IndexSource.IndexOf('=', StringComparison.Ordinal)];

    /// <summary>Something the log should warn about, e.g. a Slurm array smaller than N (right for a rerun of some shards).</summary>
    public string? Caution { get; }

    internal bool IsSharded => Count > 1 || IsAll;

    /// <summary>The shard, 0 ≤ result &lt; <paramref name="count"/>, of a path relative to SRC.</summary>
    public static int ShardOf(string relativePath, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Utf8.UTF8.GetBytes(relativePath), digest);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(digest) % (ulong)count);
    }

    /// <summary>True if this worker takes the input at <paramref name="relativePath"/>.</summary>
    internal bool Contains(string relativePath) => IsAll || Count == 1 || ShardOf(relativePath, Count) == Index;

    /// <summary>"I/N" of the shard an input belongs to (for report lines).</summary>
    public string NameOf(string relativePath) => string.Create(CultureInfo.InvariantCulture, $"{(Count == 1 ? 0 : ShardOf(relativePath, Count))}/{Count}");

    public override string ToString() => IsAll
        ? string.Create(CultureInfo.InvariantCulture, $"all/{Count}")
        : string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>Parses <c>I/N</c>, <c>auto/N</c> or <c>auto</c> (I, and N, from the scheduler's variables) or <c>all/N</c>.</summary>
    public static ShardSpec Parse(string text) => Parse(text, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Parse(string)"/>, reading variables through <paramref name="environment"/>.</summary>
    public static ShardSpec Parse(string text, Func<string, string?> environment)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string index = slash < 0 ? text : text[..slash];
        bool auto = index.Equals("auto", StringComparison.OrdinalIgnoreCase);
        int count = slash < 0 && auto ? CountFromEnvironment(environment)
            : slash >= 0 && TryParseNumber(text[(slash + 1)..], out int n) && n >= 1 ? n
            : throw new UsageException($"--shard must be I/N, auto/N, auto or all/N with N a whole number of at least 1 (got '{text}')");
        if (index.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return new ShardSpec(0, count, all: true);
        }

        if (auto)
        {
            if (slash >= 0 && environment(CountVariable) is { Length: > 0 } shards && shards != count.ToString(CultureInfo.InvariantCulture))
            {
                throw new UsageException($"--shard {text} disagrees with {CountVariable}={shards}: give N in one place only");
            }

            var found = SchedulerIndex.Find(count, environment);
            return found.Index < count
                ? new ShardSpec(found.Index, count, all: false, found.Source, found.Caution)
                : throw new UsageException($"--shard {text}: {found.Source} is not a shard of {count} (0 ≤ I < N): the array has more tasks than shards");
        }

        int value = TryParseNumber(index, out int given) ? given
            : throw new UsageException($"--shard must be I/N, auto/N, auto or all/N with I a whole number (got '{text}')");
        return value < count
            ? new ShardSpec(value, count, all: false)
            : throw new UsageException($"--shard {text}: the index {value} must be less than the number of shards {count} (0 ≤ I < N)");
    }

    private static int CountFromEnvironment(Func<string, string?> environment) =>
        environment(CountVariable) is { Length: > 0 } value
            ? TryParseNumber(value, out int count) && count >= 1 ? count
                : throw new UsageException($"--shard auto: {CountVariable}='{value}' must be a whole number of at least 1")
            : throw new UsageException($"--shard auto without /N takes N from {CountVariable}, which is not set (set it to the array size, or give --shard auto/N)");

    internal static int Number(string variable, string value) => TryParseNumber(value, out int number) ? number
        : throw new UsageException($"--shard auto: {variable}='{value}' is not a whole number");

    private static bool TryParseNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
