using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using BtfConvert.Aws.Tests.Support;
using BtfConvert.Samples;

namespace BtfConvert.Aws.Tests;

/// <summary>
/// The cron lines of docs/scale-out.md and docs/operations.md, cut from the docs between their markers, parsed as
/// cron parses them (five time fields, then the command, where an unescaped % is a newline and \% a %) and run as
/// cron runs them: <c>/bin/sh -c</c> with cron's minimal environment, in a private mount namespace where
/// /usr/local/bin/btfconvert is the published binary and /var/log a temporary folder, against s3rver's buckets
/// <c>scans</c> and <c>tiles</c>. The store is named by AWS_ENDPOINT_URL_S3 and credentials in the environment, as a
/// crontab's variable lines would, so the command stays as written. The systemd units of docs/operations.md are
/// checked offline with <c>systemd-analyze verify</c>, which wants the ExecStart binary to exist.
/// </summary>
[Collection(S3Collection.Name)]
public sealed partial class CronRecipeTests(S3ServerFixture server) : IDisposable
{
    private const string Prefix = "vs120/";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Binary => Path.Combine(Repository.Root, "dist", "btfconvert-linux-x64");
    private string VarLog => _dir.File("var-log");

    [SkippableFact]
    public async Task The_nightly_cron_line_converts_every_new_input_once_and_its_second_night_nothing()
    {
        var line = CronLine(Block("operations.md", "cron-nightly").Single());
        string[] inputs = await PrepareAsync(3);

        Assert.Equal(0, RunAsCron(line).ExitCode);
        Assert.Equal(inputs.Order(StringComparer.Ordinal), (await ConvertedAsync()).Order(StringComparer.Ordinal));
        var summary = Summary(DatedReport());
        Assert.Equal(inputs.Length, summary.GetProperty("converted").GetInt32());
        Assert.True(File.Exists(Path.Combine(VarLog, "btfconvert", "batch.log")));

        Assert.Equal(0, RunAsCron(line).ExitCode);
        summary = Summary(DatedReport());
        Assert.Equal(0, summary.GetProperty("converted").GetInt32());
        Assert.Equal(inputs.Length, summary.GetProperty("skipped").GetInt32());
    }

    [SkippableFact]
    public async Task The_cron_line_of_each_vm_converts_its_shard_and_the_four_together_every_input_once()
    {
        var lines = Block("scale-out.md", "cron-shards");
        var line = CronLine(Assert.Single(lines));
        Assert.Contains("--shard 0/4", line.Command, StringComparison.Ordinal);
        string[] inputs = await PrepareAsync(6);

        // The doc: "vm-1 … vm-3: the same line with --shard 1/4, 2/4, 3/4".
        for (int vm = 0; vm < 4; vm++)
        {
            var result = RunAsCron(line with { Command = line.Command.Replace("--shard 0/4", $"--shard {vm}/4", StringComparison.Ordinal) });
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.All(Items(DatedReport()), i => Assert.Equal($"{vm}/4", i.GetProperty("shard").GetString()));
        }

        Assert.Equal(inputs.Order(StringComparer.Ordinal), (await ConvertedAsync()).Order(StringComparer.Ordinal));
        var again = RunAsCron(line);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Equal(0, Summary(DatedReport()).GetProperty("converted").GetInt32());
    }

    [SkippableFact]
    public void The_systemd_service_and_timer_pass_systemd_analyze_verify()
    {
        SkipUnlessNamespaces();
        Assert.False(S3ServerFixture.InCi && !File.Exists("/usr/bin/systemd-analyze"), "CI must have systemd-analyze (scripts/setup.sh)");
        Skip.IfNot(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is not installed (scripts/setup.sh installs systemd)");
        string units = _dir.File("units");
        Directory.CreateDirectory(units);
        File.WriteAllText(Path.Combine(units, "btfconvert-batch.service"), string.Join('\n', Block("operations.md", "systemd-service")) + "\n");
        File.WriteAllText(Path.Combine(units, "btfconvert-batch.timer"), string.Join('\n', Block("operations.md", "systemd-timer")) + "\n");
        // An unknown key is only a warning (exit 0), so the output must be empty too; systemd-analyze does not look
        // up User= (the btfconvert user need not exist here). This misspelled copy proves the check would notice.
        File.WriteAllText(Path.Combine(units, "misspelled.service"),
            File.ReadAllText(Path.Combine(units, "btfconvert-batch.service")).Replace("Nice=", "Nicee=", StringComparison.Ordinal));

        var good = InNamespace("/usr/bin/systemd-analyze", ["verify", Path.Combine(units, "btfconvert-batch.service"), Path.Combine(units, "btfconvert-batch.timer")], []);
        Assert.True(good.ExitCode == 0 && good.Output.Trim().Length == 0, good.Output);
        var bad = InNamespace("/usr/bin/systemd-analyze", ["verify", Path.Combine(units, "misspelled.service")], []);
        Assert.Contains("Unknown key 'Nicee'", bad.Output, StringComparison.Ordinal);
    }

    internal sealed record CronEntry(string[] Time, string Command, string? Stdin);

    /// <summary>crontab(5): five time fields, then the command; % is a newline (the rest is stdin), \% a %.</summary>
    internal static CronEntry CronLine(string line)
    {
        var match = CronSyntax().Match(line);
        Assert.True(match.Success, $"not a crontab line: {line}");
        string[] time = [.. match.Groups["time"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        (int Low, int High)[] ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
        for (int f = 0; f < 5; f++)
        {
            foreach (string part in time[f].Split(','))
            {
                var field = FieldSyntax().Match(part);
                Assert.True(field.Success, $"time field {f + 1} '{time[f]}' is not cron syntax");
                foreach (var bound in new[] { field.Groups["from"], field.Groups["to"] }.Where(g => g.Success))
                {
                    int value = int.Parse(bound.Value, System.Globalization.CultureInfo.InvariantCulture);
                    Assert.True(value >= ranges[f].Low && value <= ranges[f].High, $"time field {f + 1} '{time[f]}' is out of {ranges[f]}");
                }
            }
        }

        var command = new System.Text.StringBuilder();
        string rest = match.Groups["command"].Value;
        for (int i = 0; i < rest.Length; i++)
        {
            if (rest[i] == '\\' && i + 1 < rest.Length && rest[i + 1] == '%')
            {
                command.Append('%');
                i++;
            }
            else if (rest[i] == '%')
            {
                return new CronEntry(time, command.ToString(), rest[(i + 1)..].Replace('%', '\n'));
            }
            else
            {
                command.Append(rest[i]);
            }
        }

        return new CronEntry(time, command.ToString(), null);
    }

    [Fact]
    public void Cron_parsing_follows_crontab_5()
    {
        var entry = CronLine(@"30 1 * * 1-5  echo a\%b %line1%line2");
        Assert.Equal(["30", "1", "*", "*", "1-5"], entry.Time);
        Assert.Equal("echo a%b ", entry.Command);
        Assert.Equal("line1\nline2", entry.Stdin);
        Assert.ThrowsAny<Exception>(() => CronLine("61 1 * * * true"));
        Assert.ThrowsAny<Exception>(() => CronLine("30 1 * * true"));
    }

    /// <summary>The lines of the fenced block between the doc's markers, without comments and blank lines for cron.</summary>
    private static string[] Block(string doc, string name)
    {
        string[] lines = DocBlocks.Fenced(doc, name).TrimEnd('\n').Split('\n');
        return name.StartsWith("cron", StringComparison.Ordinal)
            ? [.. lines.Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))]
            : lines;
    }

    private (int ExitCode, string Output) RunAsCron(CronEntry entry)
    {
        Directory.CreateDirectory(VarLog);
        string home = _dir.File("home");
        Directory.CreateDirectory(home);
        // cron's environment (HOME, LOGNAME, PATH=/usr/bin:/bin, SHELL=/bin/sh) plus what a crontab's variable
        // lines would set for the store.
        string[] env =
        [
            $"HOME={home}", "LOGNAME=root", "PATH=/usr/bin:/bin", "SHELL=/bin/sh",
            $"AWS_ENDPOINT_URL_S3={server.Endpoint}", $"AWS_ACCESS_KEY_ID={S3ServerFixture.AccessKey}",
            $"AWS_SECRET_ACCESS_KEY={S3ServerFixture.SecretKey}", "AWS_REGION=us-east-1",
        ];
        return InNamespace("/bin/sh", ["-c", entry.Command], env, entry.Stdin);
    }

    /// <summary>
    /// Runs the program in a private mount namespace (unshare -m) where /usr/local/bin/btfconvert is the published
    /// binary and /var/log this test's folder: nothing on the host changes.
    /// </summary>
    private (int ExitCode, string Output) InNamespace(string program, string[] args, string[] env, string? stdin = null)
    {
        SkipUnlessNamespaces();
        const string Setup = """
            mount --make-rprivate / && mount -t tmpfs tmpfs /usr/local/bin && touch /usr/local/bin/btfconvert &&
            mount --bind "$1" /usr/local/bin/btfconvert && mkdir -p /var/log && mount --bind "$2" /var/log || exit 125
            shift 2; exec "$@"
            """;
        Directory.CreateDirectory(VarLog);
        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in (string[])["-m", "/bin/sh", "-c", Setup, "sh", File.Exists(Binary) ? Binary : "/bin/true", VarLog])
        {
            start.ArgumentList.Add(a);
        }

        if (env.Length > 0)
        {
            start.ArgumentList.Add("/usr/bin/env");
            start.ArgumentList.Add("-i");
            foreach (string e in env)
            {
                start.ArgumentList.Add(e);
            }
        }

        start.ArgumentList.Add(program);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin ?? "");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Skip.If(process.ExitCode == 125, $"cannot set up a private mount namespace (unshare -m, mount --bind need root): {stderr.Result}");
        return (process.ExitCode, stdout + stderr.Result);
    }

    private static void SkipUnlessNamespaces()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/usr/bin/unshare"),
            "the cron and systemd recipes run in a private mount namespace (unshare -m, as root on Linux)");
    }

    private async Task<string[]> PrepareAsync(int count)
    {
        server.Require();
        Skip.IfNot(File.Exists(Binary), $"{Binary} not built (scripts/publish.sh x64)");
        SkipUnlessNamespaces();
        var inputs = new List<string>();
        foreach (string bucket in (string[])["scans", "tiles"])
        {
            try
            {
                await server.Client.PutBucketAsync(bucket);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyExists" or "BucketAlreadyOwnedByYou")
            {
                // The other recipe made it; it is emptied below.
            }

            var listed = await server.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
            foreach (var o in listed.S3Objects ?? [])
            {
                await server.Client.DeleteObjectAsync(bucket, o.Key);
            }
        }

        for (int i = 0; i < count; i++)
        {
            string local = _dir.File($"slide-{i}.btf");
            BtfSampleWriter.Write(local, new SampleSpec { Width = 160, Height = 120, Seed = i + 1, RowsPerStrip = 32 });
            await server.Client.PutObjectAsync(new PutObjectRequest { BucketName = "scans", Key = $"{Prefix}slide-{i}.btf", FilePath = local, UseChunkEncoding = false });
            inputs.Add($"slide-{i}");
        }

        return [.. inputs];
    }

    private async Task<string[]> ConvertedAsync()
    {
        var listed = await server.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "tiles", Prefix = Prefix });
        return [.. (listed.S3Objects ?? []).Select(o => o.Key[Prefix.Length..]).Where(k => !k.Contains('/', StringComparison.Ordinal))
            .Select(k => Path.GetFileNameWithoutExtension(k))];
    }

    /// <summary>The one report-YYYY-MM-DD.jsonl the line wrote (found by its form, so midnight cannot matter).</summary>
    private string DatedReport()
    {
        string folder = Path.Combine(VarLog, "btfconvert");
        return Assert.Single(Directory.GetFiles(folder, "report-*.jsonl"), f => DatedName().IsMatch(Path.GetFileName(f)));
    }

    private static JsonElement[] Lines(string report) =>
        [.. File.ReadAllLines(report).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)];

    private static JsonElement Summary(string report) =>
        Assert.Single(Lines(report)[^1..], l => l.GetProperty("type").GetString() == "summary");

    private static JsonElement[] Items(string report) =>
        [.. Lines(report).Where(l => l.GetProperty("type").GetString() == "item")];

    [GeneratedRegex(@"^\s*(?<time>(\S+\s+){4}\S+)\s+(?<command>\S.*)$")]
    private static partial Regex CronSyntax();

    [GeneratedRegex(@"^(\*|(?<from>\d+)(-(?<to>\d+))?)(/\d+)?$")]
    private static partial Regex FieldSyntax();

    [GeneratedRegex(@"^report-\d{4}-\d{2}-\d{2}\.jsonl$")]
    private static partial Regex DatedName();
}
