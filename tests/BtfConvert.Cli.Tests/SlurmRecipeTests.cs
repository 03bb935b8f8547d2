using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using BtfConvert.Core.Batch;
using BtfConvert.Samples;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// The Slurm recipe of docs/scale-out.md, cut from the doc between its markers and submitted as it is, with the
/// published binary, to a real one-node Slurm (Debian's slurm-wlm and munge, started in a directory of its own by
/// scripts/slurm-local.sh): every input is converted once, by the task of its shard; a failed task requeued keeps
/// its log and converts what was fixed; the rerun the doc advises (<c>sbatch --array=…</c> with the shards
/// <c>--check</c> names) is accepted and converts the rest; the whole array again converts nothing. No wait is a
/// guess of the time: each polls squeue until the job has left the queue, within a generous bound.
/// </summary>
public sealed partial class SlurmRecipeTests : IDisposable
{
    /// <summary>The recipe's auto/16 and --array=0-15.</summary>
    private const int Shards = 16;

    private static readonly TimeSpan QueueBound = TimeSpan.FromMinutes(5);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Cluster => _dir.File("slurm");
    private string Work => _dir.File("work");
    private string Source => _dir.File("scans");
    private string Destination => _dir.File("tiles");
    private static string Binary => Path.Combine(Repository.Root, "dist", "btfconvert-linux-x64");

    [SkippableFact]
    public async Task The_documented_sbatch_script_converts_every_input_once_and_its_requeue_rerun_and_check_advice_work()
    {
        SkipUnlessRunnable();
        Directory.CreateDirectory(Work);
        File.WriteAllText(Path.Combine(Work, "btfconvert.sbatch"), RecipeFromDoc());
        var (good, bad) = Inputs();
        var start = Run(Path.Combine(Repository.Root, "scripts", "slurm-local.sh"), "start", Cluster);
        Assert.True(start.ExitCode == 0, start.Output);
        try
        {
            // 1. The array as written: every good input converted once, by the task whose ID is its shard; the tasks
            //    with a bad input exit 6, the others 0.
            string job = Submit();
            await WaitForQueueAsync(job);
            var tasks = Finished(job);
            Assert.Equal(Enumerable.Range(0, Shards), tasks.Keys.Order());
            var badShards = bad.Select(Shard).Order().ToArray();
            Assert.All(tasks, t => Assert.Equal(badShards.Contains(t.Key) ? "FAILED 6" : "COMPLETED 0", t.Value[^1]));
            Assert.Equal(good.Order(StringComparer.Ordinal), Converted().Order(StringComparer.Ordinal));
            foreach (int task in Enumerable.Range(0, Shards))
            {
                var lines = ReportLines($"{job}_{task}.0.jsonl");
                Assert.All(lines.Where(l => l.GetProperty("type").GetString() == "item"), l => Assert.Equal($"{task}/{Shards}", l.GetProperty("shard").GetString()));
                Assert.StartsWith($"SLURM_ARRAY_TASK_ID={task} (Slurm, SLURM_JOB_ID=", lines[^1].GetProperty("shardIndexFrom").GetString(), StringComparison.Ordinal);
                Assert.True(File.Exists(Path.Combine(Work, $"btfconvert-{job}_{task}.log")));
            }

            // 2. The check trusts only the destination: it names the inputs and the shards left.
            var check = Check();
            Assert.True(check.ExitCode == ExitCodes.VerificationFailed, check.Output);
            Assert.Contains($"--array={string.Join(',', badShards)}", check.StdErr, StringComparison.Ordinal);

            // 3. The inputs are fixed; the first failed task is requeued in its old job: it converts its input and
            //    appends to its log, which still holds the first attempt's failure.
            foreach (string path in bad)
            {
                BtfSampleWriter.Write(path, new SampleSpec { Width = 200, Height = 150, Seed = 99, RowsPerStrip = 32 });
            }

            int requeued = badShards[0];
            AssertRan(Run("scontrol", "requeue", $"{job}_{requeued}"));
            // Slurm holds a requeued task back ~2 minutes; the doc gives this command to start it at once.
            AssertRan(Run("scontrol", "update", $"jobid={job}_{requeued}", "StartTime=now"));
            await WaitForQueueAsync(job);
            Assert.Equal(["FAILED 6", "COMPLETED 0"], Finished(job)[requeued]);
            string log = File.ReadAllText(Path.Combine(Work, $"btfconvert-{job}_{requeued}.log"));
            Assert.Equal(2, StartLine().Matches(log).Count);
            Assert.Contains("not a TIFF", log, StringComparison.OrdinalIgnoreCase);
            Assert.Single(ReportLines($"{job}_{requeued}.1.jsonl"), l => l.GetProperty("type").GetString() == "item"
                && l.GetProperty("status").GetString() == "converted");

            // 4. The rerun the doc advises, with the shards the check names now: a partial array, accepted.
            check = Check();
            Assert.True(check.ExitCode == ExitCodes.VerificationFailed, check.Output);
            string rest = string.Join(',', badShards[1..]);
            Assert.Contains($"--array={rest}", check.StdErr, StringComparison.Ordinal);
            string rerun = Submit($"--array={rest}");
            await WaitForQueueAsync(rerun);
            Assert.All(Finished(rerun).Values, attempts => Assert.Equal(["COMPLETED 0"], attempts));
            Assert.Equal(badShards[1..], Finished(rerun).Keys.Order());
            Assert.Equal(good.Concat(bad).Order(StringComparer.Ordinal), Converted().Order(StringComparer.Ordinal));
            Assert.Equal(ExitCodes.Success, Check().ExitCode);

            // 5. The whole array again converts nothing.
            string again = Submit();
            await WaitForQueueAsync(again);
            Assert.All(Finished(again).Values, attempts => Assert.Equal(["COMPLETED 0"], attempts));
            Assert.Equal(good.Length + bad.Length, Enumerable.Range(0, Shards).Sum(t => ReportLines($"{again}_{t}.0.jsonl")
                .Count(l => l.GetProperty("type").GetString() == "item" && l.GetProperty("status").GetString() == "skipped")));
            Assert.Equal(good.Concat(bad).Order(StringComparer.Ordinal), Converted().Order(StringComparer.Ordinal));
        }
        finally
        {
            Run(Path.Combine(Repository.Root, "scripts", "slurm-local.sh"), "stop", Cluster);
        }
    }

    private static void SkipUnlessRunnable()
    {
        string? missing = !OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64 ? "the recipe runs the linux-x64 binary"
            : !File.Exists("/usr/sbin/slurmctld") || !File.Exists("/usr/sbin/munged") ? "slurm-wlm and munge are not installed (scripts/setup.sh installs them)"
            : Environment.UserName != "root" ? "slurmd must run as root (it starts each job as its owner)"
            : !File.Exists(Binary) ? $"{Binary} not built (scripts/publish.sh x64)"
            : null;
        if (missing is not null)
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), $"{missing}: CI must run this test");
            Skip.If(true, missing);
        }
    }

    /// <summary>The fenced block between the markers of docs/scale-out.md, byte for byte.</summary>
    private static string RecipeFromDoc() => DocBlocks.Fenced("scale-out.md", "slurm-recipe");

    /// <summary>Small slides in several folders, and three inputs that are not TIFFs, each in a shard of its own.</summary>
    private (string[] Good, string[] Bad) Inputs()
    {
        var good = Enumerable.Range(0, 24).Select(i =>
        {
            string path = Path.Combine(Source, $"{2022 + (i % 3)}", $"slide-{i}.btf");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            BtfSampleWriter.Write(path, new SampleSpec { Width = 160, Height = 120, Seed = i, RowsPerStrip = 32 });
            return path;
        }).ToArray();
        var bad = Enumerable.Range(0, 100).Select(i => Path.Combine(Source, "incoming", $"scan-{i}.btf"))
            .DistinctBy(Shard).Take(3).ToArray();
        foreach (string path in bad)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "this is not a TIFF: the scanner's upload was cut short");
        }

        return (good, bad);
    }

    private int Shard(string path) => ShardSpec.ShardOf(Path.GetRelativePath(Source, path).Replace('\\', '/'), Shards);

    /// <summary>sbatch btfconvert.sbatch [options], from the work folder, with the paths in the recipe's variables; the job ID.</summary>
    private string Submit(params string[] options)
    {
        var r = Run("sbatch", [.. options, "btfconvert.sbatch"]);
        AssertRan(r);
        return SubmittedJob().Match(r.StdOut) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException(r.Output);
    }

    /// <summary>Until no task of the job is pending or running; the bound is many times what the test needs.</summary>
    private async Task WaitForQueueAsync(string job)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var r = Run("squeue", "-h", "-j", job, "-o", "%i %T");
            if (r.ExitCode == 0 && r.StdOut.Trim().Length == 0)
            {
                return;
            }

            Assert.True(clock.Elapsed < QueueBound, $"job {job} still queued after {QueueBound}: {r.Output}\n{File.ReadAllText(Path.Combine(Cluster, "slurmctld.log"))}");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Task ID → "STATE EXITCODE" of each attempt that ran, in order, from the cluster's job completion log.</summary>
    private SortedDictionary<int, List<string>> Finished(string job)
    {
        var tasks = new SortedDictionary<int, List<string>>();
        foreach (string line in File.ReadAllLines(Path.Combine(Cluster, "jobcomp.txt")))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2)).Where(f => f.Length == 2)
                .GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            // A requeue also logs the task as it goes back to the queue (PENDING): not an attempt that ran.
            if (fields.GetValueOrDefault("ArrayJobId") == job && fields["JobState"] is not ("PENDING" or "REQUEUED"))
            {
                int task = int.Parse(fields["ArrayTaskId"], System.Globalization.CultureInfo.InvariantCulture);
                (tasks.TryGetValue(task, out var attempts) ? attempts : tasks[task] = []).Add($"{fields["JobState"]} {fields["ExitCode"].Split(':')[0]}");
            }
        }

        return tasks;
    }

    private List<JsonElement> ReportLines(string name) => BatchTree.ParseLines(File.ReadAllText(Path.Combine(Work, "reports", name)));

    /// <summary>Sources converted in every report of every job, once per conversion.</summary>
    private string[] Converted() => Directory.GetFiles(Path.Combine(Work, "reports"))
        .SelectMany(f => BatchTree.ParseLines(File.ReadAllText(f)))
        .Where(l => l.GetProperty("type").GetString() == "item" && l.GetProperty("status").GetString() == "converted")
        .Select(l => l.GetProperty("source").GetString()!).ToArray();

    /// <summary>The doc's completeness check, with the recipe's SRC, DST and N.</summary>
    private CliRunner.Result Check() => Run(Binary, "batch", Source, Destination, "--shard", $"all/{Shards}", "--check");

    private static void AssertRan(CliRunner.Result r) => Assert.True(r.ExitCode == 0, r.Output);

    /// <summary>A program run to its end in the work folder, with the cluster's SLURM_CONF and the recipe's variables.</summary>
    private CliRunner.Result Run(string file, params string[] args) => CliRunner.RunProgramIn(Work, new Dictionary<string, string>
    {
        ["SLURM_CONF"] = Path.Combine(Cluster, "slurm.conf"),
        ["BTFCONVERT"] = Binary,
        ["BTFCONVERT_SRC"] = Source,
        ["BTFCONVERT_DST"] = Destination,
        // The recipe's --lock-dir "$HOME/.btfconvert": inside the test's folder, not the home of whoever runs the tests.
        ["HOME"] = Work,
    }, file, args);

    [GeneratedRegex(@"Submitted batch job (\d+)")]
    private static partial Regex SubmittedJob();

    [GeneratedRegex(@"shard ""?\d+/16 \(from SLURM_ARRAY_TASK_ID=")]
    private static partial Regex StartLine();
}
