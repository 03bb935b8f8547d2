using System.Globalization;

namespace BtfConvert.Core.Batch;

/// <summary>
/// Where <c>--shard auto</c> finds this worker's index. The scheduler running the process is the first whose own
/// job variable is set (SLURM_JOB_ID, AWS_BATCH_JOB_ID, KUBERNETES_SERVICE_HOST), not merely the first index
/// variable found: an index variable can be left over, because sbatch passes the submitting shell's environment
/// into every task (a stray JOB_COMPLETION_INDEX=0 once made all of a Slurm array take shard 0, exit 0, and
/// convert nothing of the other shards). Slurm is asked first for the same reason: its variables are set fresh
/// in the task, while a pod or a Batch container starts from its image's environment. Every other scheduler's
/// index variable that is set must agree with the one taken, or nothing is done. docs/scale-out.md.
/// </summary>
internal static class SchedulerIndex
{
    /// <summary>The index, where it came from ("VARIABLE=value (scheduler, JOBVARIABLE=…)"), and a warning for the log.</summary>
    internal sealed record Found(int Index, string Source, string? Caution);

    private sealed record Scheduler(string Name, string JobVariable, string IndexVariable, string ArrayHint);

    private static readonly Scheduler Slurm = new("Slurm", ShardSpec.SlurmJobVariable, ShardSpec.SlurmTaskIdVariable, "submit it as an array (sbatch --array=0-{0})");

    private static readonly Scheduler[] Schedulers =
    [
        Slurm,
        new("AWS Batch", ShardSpec.AwsBatchJobVariable, ShardSpec.AwsBatchIndexVariable, "submit it as an array job (--array-properties size={1})"),
        new("Kubernetes", ShardSpec.KubernetesVariable, ShardSpec.KubernetesIndexVariable, "run it as a Job with completionMode: Indexed"),
    ];

    public static Found Find(int count, Func<string, string?> environment)
    {
        string? Get(string name) => environment(name) is { Length: > 0 } value ? value : null;
        var running = Schedulers.FirstOrDefault(s => Get(s.JobVariable) is not null);
        var chosen = running ?? Schedulers.FirstOrDefault(s => Get(s.IndexVariable) is not null)
            ?? throw new UsageException($"--shard auto/{count}: none of {ShardSpec.KubernetesIndexVariable}, {ShardSpec.AwsBatchIndexVariable} or " +
                $"{ShardSpec.SlurmTaskIdVariable} is set (start it as a Kubernetes Indexed Job, an AWS Batch array job or a Slurm array, or give the index: --shard I/N)");
        string value = Get(chosen.IndexVariable) ?? throw new UsageException(
            $"--shard auto/{count}: {chosen.Name} runs this process ({chosen.JobVariable} is set) but {chosen.IndexVariable} is not: " +
            string.Format(CultureInfo.InvariantCulture, chosen.ArrayHint, count - 1, count) + ", or give --shard I/N");
        int index = ShardSpec.Number(chosen.IndexVariable, value);
        string source = running is null
            ? $"{chosen.IndexVariable}={value} ({chosen.Name}; {chosen.JobVariable} is not set)"
            : $"{chosen.IndexVariable}={value} ({chosen.Name}, {chosen.JobVariable}={Get(chosen.JobVariable)})";

        foreach (var other in Schedulers.Where(s => s != chosen))
        {
            if (Get(other.IndexVariable) is { } otherValue && ShardSpec.Number(other.IndexVariable, otherValue) != index)
            {
                throw new UsageException($"--shard auto/{count}: {source} and {other.IndexVariable}={otherValue} ({other.Name}) disagree; " +
                    $"{other.IndexVariable} is probably left over from the shell the job was submitted from (sbatch passes it on): unset it there, or give --shard I/N");
            }
        }

        return new Found(index, source, chosen == Slurm ? SlurmArrayCaution(count, Get) : null);
    }

    /// <summary>
    /// The task ID is the shard index (never shifted by the array's first ID), so that rerunning some shards is
    /// <c>sbatch --array=3,7</c>. A task beyond N−1 is refused (every task sees the same MAX, so all refuse at
    /// once); an array with fewer tasks than N is a rerun or a mistake that no variable can tell apart, so it only
    /// warns, and <c>batch --check</c> finds what no shard converted.
    /// </summary>
    private static string? SlurmArrayCaution(int count, Func<string, string?> get)
    {
        if (get(ShardSpec.SlurmTaskMaxVariable) is { } max && ShardSpec.Number(ShardSpec.SlurmTaskMaxVariable, max) >= count)
        {
            throw new UsageException($"--shard auto/{count}: the Slurm array goes up to task {max} ({ShardSpec.SlurmTaskMaxVariable}) but the shards are " +
                $"0..{count - 1}: task IDs are shard indexes, so submit --array=0-{count - 1} (or some of those IDs, to rerun them)");
        }

        return get(ShardSpec.SlurmTaskCountVariable) is { } tasks && ShardSpec.Number(ShardSpec.SlurmTaskCountVariable, tasks) < count
            ? $"the Slurm array has {ShardSpec.SlurmTaskCountVariable}={tasks} tasks for {count} shards: the shards outside it are not converted by this " +
                $"submission (right when rerunning some shards); check the whole fleet with: btfconvert batch SRC DST --shard all/{count} --check"
            : null;
    }
}
