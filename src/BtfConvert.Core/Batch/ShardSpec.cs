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
    /// <summary>Kubernetes Indexed Job, AWS Batch array job, Slurm array: the order <c>auto/N</c> looks in.</summary>
    public const string KubernetesIndexVariable = "JOB_COMPLETION_INDEX";
    public const string AwsBatchIndexVariable = "AWS_BATCH_JOB_ARRAY_INDEX";
    public const string SlurmTaskIdVariable = "SLURM_ARRAY_TASK_ID";
    public const string SlurmTaskMinVariable = "SLURM_ARRAY_TASK_MIN";
    public const string SlurmTaskCountVariable = "SLURM_ARRAY_TASK_COUNT";

    /// <summary>The whole batch: what a run without <c>--shard</c> does.</summary>
    public static readonly ShardSpec Whole = new(0, 1, all: false);

    private ShardSpec(int index, int count, bool all)
    {
        Index = index;
        Count = count;
        IsAll = all;
    }

    /// <summary>This worker's shard, 0 ≤ Index &lt; Count (0 for <c>all/N</c>).</summary>
    public int Index { get; }

    /// <summary>N, the number of shards.</summary>
    public int Count { get; }

    /// <summary><c>all/N</c>: every input, each labelled with its shard (only for --dry-run's balance check).</summary>
    public bool IsAll { get; }

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

    /// <summary>Parses <c>I/N</c>, <c>auto/N</c> (I from the scheduler's variables) or <c>all/N</c>.</summary>
    public static ShardSpec Parse(string text) => Parse(text, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Parse(string)"/>, reading variables through <paramref name="environment"/>.</summary>
    public static ShardSpec Parse(string text, Func<string, string?> environment)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParseNumber(text[(slash + 1)..], out int count) || count < 1)
        {
            throw new UsageException($"--shard must be I/N, auto/N or all/N with N a whole number of at least 1 (got '{text}')");
        }

        string index = text[..slash];
        if (index.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return new ShardSpec(0, count, all: true);
        }

        int value = index.Equals("auto", StringComparison.OrdinalIgnoreCase) ? IndexFromScheduler(count, environment)
            : TryParseNumber(index, out int given) ? given
            : throw new UsageException($"--shard must be I/N, auto/N or all/N with I a whole number (got '{text}')");
        return value < count
            ? new ShardSpec(value, count, all: false)
            : throw new UsageException($"--shard {text}: the index {value} must be less than the number of shards {count} (0 ≤ I < N)");
    }

    private static int IndexFromScheduler(int count, Func<string, string?> environment)
    {
        foreach (string variable in new[] { KubernetesIndexVariable, AwsBatchIndexVariable })
        {
            if (environment(variable) is { Length: > 0 } value)
            {
                return Number(variable, value);
            }
        }

        if (environment(SlurmTaskIdVariable) is { Length: > 0 } taskId)
        {
            // A Slurm array need not start at 0 (--array=1-16): the index is the task's place in the array.
            int min = environment(SlurmTaskMinVariable) is { Length: > 0 } m ? Number(SlurmTaskMinVariable, m) : 0;
            if (environment(SlurmTaskCountVariable) is { Length: > 0 } c && Number(SlurmTaskCountVariable, c) != count)
            {
                // Otherwise some inputs would belong to no running task and never be converted.
                throw new UsageException($"--shard auto/{count}: the Slurm array has {SlurmTaskCountVariable}={c} tasks, not {count}");
            }

            int index = Number(SlurmTaskIdVariable, taskId) - min;
            return index >= 0 ? index
                : throw new UsageException($"--shard auto/{count}: {SlurmTaskIdVariable}={taskId} is below {SlurmTaskMinVariable}={min}");
        }

        throw new UsageException($"--shard auto/{count}: none of {KubernetesIndexVariable}, {AwsBatchIndexVariable} or {SlurmTaskIdVariable} " +
            "is set (start it as a Kubernetes Indexed Job, an AWS Batch array job or a Slurm array, or give the index: --shard I/N)");
    }

    private static int Number(string variable, string value) => TryParseNumber(value, out int number) ? number
        : throw new UsageException($"--shard auto: {variable}='{value}' is not a whole number");

    private static bool TryParseNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
