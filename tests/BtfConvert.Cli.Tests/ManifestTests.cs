using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// The Kubernetes Job and the AWS Batch job definition and submission of docs/scale-out.md, cut from the doc
/// between their markers and checked offline as the services would: the Job against the batch/v1 schema with
/// no unknown field (tests/manifests/check.mjs, kubernetes-models) and against the API server's cross-field rules
/// written out below; the AWS Batch JSON and the submit-job line against the service model (aws-sdk's parameter
/// validator) and the rules of the RegisterJobDefinition/SubmitJob reference written out below. Each rule is
/// also shown to fire on a broken copy, so a rule that can never fail does not pass for a check.
/// </summary>
public sealed partial class ManifestTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Checker => Path.Combine(Repository.Root, "tests", "manifests");

    // ---- Kubernetes -------------------------------------------------------------------------------------------

    [SkippableFact]
    public void The_kubernetes_job_passes_the_job_schema_and_the_api_servers_cross_field_rules()
    {
        var job = CheckJob(DocBlock("k8s-job"));
        Assert.Empty(JobRuleErrors(job));
    }

    [SkippableTheory]
    [InlineData("completionMode: Indexed ", "completionMode: NonIndexed ", "backoffLimitPerIndex requires completionMode Indexed")]
    [InlineData("restartPolicy: Never", "restartPolicy: OnFailure", "restartPolicy must be Never with a podFailurePolicy")]
    [InlineData("podReplacementPolicy: Failed ", "podReplacementPolicy: TerminatingOrFailed ", "podReplacementPolicy must be Failed with a podFailurePolicy")]
    [InlineData("backoffLimitPerIndex: 3 ", "backoffLimit: 3 ", "FailIndex requires backoffLimitPerIndex")]
    [InlineData("values: [2, 6]", "values: [6, 2]", "onExitCodes.values must be ordered")]
    [InlineData("values: [2, 6]", "values: [0, 2, 6]", "onExitCodes.values must not hold 0 with In")]
    [InlineData("containerName: btfconvert,", "containerName: converter,", "containerName must name a container")]
    [InlineData("      - action: Ignore ", "      - action: Count ", "a DisruptionTarget rule with action Ignore")]
    [InlineData("completions: 16 ", "completions: 8 ", "completions (8) must be N of --shard auto/16")]
    public void Each_kubernetes_rule_catches_a_broken_copy(string from, string to, string error)
    {
        string yaml = DocBlock("k8s-job");
        Assert.Contains(from, yaml, StringComparison.Ordinal);
        Assert.Contains(JobRuleErrors(CheckJob(yaml.Replace(from, to, StringComparison.Ordinal))), e => e.Contains(error, StringComparison.Ordinal));
    }

    [SkippableFact]
    public void The_job_schema_check_refuses_unknown_fields_and_wrong_types()
    {
        string yaml = DocBlock("k8s-job");
        var strict = Run("k8s-job", Write("unknown.yaml", yaml.Replace("  parallelism: 16", "  parallelism: 16\n  backoffLimitPerPod: 3", StringComparison.Ordinal)));
        Assert.True(strict.ExitCode == 1, strict.Output);
        Assert.Contains("job.spec.backoffLimitPerPod: unknown field", strict.StdErr, StringComparison.Ordinal);
        var typed = Run("k8s-job", Write("typed.yaml", yaml.Replace("completions: 16", "completions: \"16\"", StringComparison.Ordinal)));
        Assert.True(typed.ExitCode == 1, typed.Output);
        Assert.Contains("completions must be integer", typed.StdErr, StringComparison.Ordinal);
    }

    /// <summary>
    /// The rules pkg/apis/batch/validation (validateJobSpec, validatePodFailurePolicy…) applies beyond the schema,
    /// for what the example uses, and this project's own: a DisruptionTarget rule that ignores disruptions, exit
    /// codes 2 and 6 failing the index, and completions equal to N of --shard auto/N.
    /// </summary>
    private static List<string> JobRuleErrors(JsonElement job)
    {
        var errors = new List<string>();
        void Rule(bool holds, string message) => Broken(errors, holds, message);

        Rule(Text(job, "apiVersion") == "batch/v1" && Text(job, "kind") == "Job", "apiVersion batch/v1, kind Job");
        Rule(Text(job, "metadata", "name") is { Length: > 0 and <= 63 } name && DnsLabel().IsMatch(name), "metadata.name must be a DNS label (it becomes a pod label)");
        var spec = job.GetProperty("spec");
        bool indexed = Text(spec, "completionMode") == "Indexed";
        Rule(Text(spec, "completionMode") is null or "Indexed" or "NonIndexed", "completionMode must be Indexed or NonIndexed");
        Rule(!indexed || spec.TryGetProperty("completions", out _), "completions is required when completionMode is Indexed");
        Rule(!indexed || Number(spec, "parallelism") is null or <= 100_000, "parallelism must be ≤ 100000 when completionMode is Indexed");
        Rule(indexed || !spec.TryGetProperty("backoffLimitPerIndex", out _), "backoffLimitPerIndex requires completionMode Indexed");
        Rule(indexed || !spec.TryGetProperty("maxFailedIndexes", out _), "maxFailedIndexes requires completionMode Indexed");
        Rule(!(Number(spec, "completions") > 100_000 && spec.TryGetProperty("backoffLimitPerIndex", out _)) || spec.TryGetProperty("maxFailedIndexes", out _),
            "maxFailedIndexes is required when completions is above 100000 with backoffLimitPerIndex");
        foreach (string field in new[] { "completions", "parallelism", "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes" })
        {
            Rule(Number(spec, field) is null or >= 0, $"{field} must not be negative");
        }

        var podSpec = spec.GetProperty("template").GetProperty("spec");
        string? restart = Text(podSpec, "restartPolicy");
        bool hasPolicy = spec.TryGetProperty("podFailurePolicy", out var policy);
        Rule(restart is "Never" or "OnFailure", "template.spec.restartPolicy must be Never or OnFailure for a Job");
        Rule(!hasPolicy || restart == "Never", "restartPolicy must be Never with a podFailurePolicy");
        string? replacement = Text(spec, "podReplacementPolicy");
        Rule(replacement is null or "Failed" or "TerminatingOrFailed", "podReplacementPolicy must be Failed or TerminatingOrFailed");
        Rule(!hasPolicy || replacement is null or "Failed", "podReplacementPolicy must be Failed with a podFailurePolicy");

        var containers = podSpec.GetProperty("containers").EnumerateArray().Select(c => Text(c, "name")).ToList();
        var rules = hasPolicy ? policy.GetProperty("rules").EnumerateArray().ToList() : [];
        Rule(rules.Count <= 20, "at most 20 podFailurePolicy rules");
        foreach (var rule in rules)
        {
            string? action = Text(rule, "action");
            Rule(action is "FailJob" or "FailIndex" or "Ignore" or "Count", $"action {action} must be FailJob, FailIndex, Ignore or Count");
            Rule(action != "FailIndex" || spec.TryGetProperty("backoffLimitPerIndex", out _), "FailIndex requires backoffLimitPerIndex");
            bool onExit = rule.TryGetProperty("onExitCodes", out var exit), onConditions = rule.TryGetProperty("onPodConditions", out var conditions);
            Rule(onExit != onConditions, "a rule has exactly one of onExitCodes and onPodConditions");
            if (onExit)
            {
                string? op = Text(exit, "operator");
                var values = exit.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()).ToList();
                Rule(op is "In" or "NotIn", "onExitCodes.operator must be In or NotIn");
                Rule(values.Count is >= 1 and <= 255, "onExitCodes.values must hold 1 to 255 codes");
                Rule(values.SequenceEqual(values.Order()), "onExitCodes.values must be ordered");
                Rule(values.Distinct().Count() == values.Count, "onExitCodes.values must be unique");
                Rule(op != "In" || !values.Contains(0), "onExitCodes.values must not hold 0 with In");
                Rule(Text(exit, "containerName") is not { } c || containers.Contains(c), "onExitCodes.containerName must name a container of the template");
            }

            foreach (var condition in onConditions ? conditions.EnumerateArray().ToList() : [])
            {
                Rule(Text(condition, "type") is { Length: > 0 }, "onPodConditions[].type is required");
                Rule(Text(condition, "status") is null or "True" or "False" or "Unknown", "onPodConditions[].status must be True, False or Unknown");
            }
        }

        // This project's promises (docs/scale-out.md).
        Rule(rules.Any(r => Text(r, "action") == "Ignore" && r.TryGetProperty("onPodConditions", out var c)
            && c.EnumerateArray().Any(p => Text(p, "type") == "DisruptionTarget" && Text(p, "status") is null or "True")),
            "a DisruptionTarget rule with action Ignore: drains and spot reclaims must not use up backoffLimitPerIndex");
        Rule(rules.Any(r => Text(r, "action") == "FailIndex" && r.TryGetProperty("onExitCodes", out var e) && Text(e, "operator") == "In"
            && new[] { 2, 6 }.All(code => e.GetProperty("values").EnumerateArray().Any(v => v.GetInt32() == code))),
            "exit codes 2 and 6 must fail the index (a retry would not help)");
        var args = podSpec.GetProperty("containers")[0].GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList();
        int shard = args.IndexOf("--shard");
        string spec16 = shard >= 0 ? args[shard + 1] : "";
        Rule(AutoN().Match(spec16) is { Success: true } m && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) == Number(spec, "completions"),
            $"completions ({Number(spec, "completions")}) must be N of --shard {spec16}");
        return errors;
    }

    private JsonElement CheckJob(string yaml)
    {
        var r = Run("k8s-job", Write("job.yaml", yaml));
        Assert.True(r.ExitCode == 0, r.Output);
        return JsonDocument.Parse(r.StdOut).RootElement.Clone();
    }

    // ---- AWS Batch ----------------------------------------------------------------------------------------------

    [SkippableFact]
    public void The_aws_batch_job_definition_and_submission_pass_the_service_model_and_the_reference_rules()
    {
        var definition = CheckAws(DocBlock("aws-job-definition"));
        var submit = Submit(DocBlock("aws-submit"));
        Assert.Empty(AwsRuleErrors(definition, submit));
    }

    [SkippableTheory]
    [InlineData("aws-job-definition", "\"type\": \"container\"", "\"type\": \"docker\"", "type must be container or multinode")]
    [InlineData("aws-job-definition", "\"onExitCode\": \"6\", \"action\": \"EXIT\"", "\"onExitCode\": \"6\", \"action\": \"STOP\"", "action STOP must be RETRY or EXIT")]
    [InlineData("aws-job-definition", "\"attempts\": 3", "\"attempts\": 11", "attempts must be 1 to 10")]
    [InlineData("aws-job-definition", "{ \"type\": \"MEMORY\", \"value\": \"16384\" }", "{ \"type\": \"MEMORY\", \"value\": \"16G\" }", "MEMORY must be a whole number")]
    [InlineData("aws-job-definition", "\"--shard\", \"auto\"", "\"--shard\", \"auto/16\"", "--shard auto without N")]
    [InlineData("aws-submit", "size=$N", "size=1", "arrayProperties.size must be 2 to 10000")]
    [InlineData("aws-submit", "value=$N}", "value=8}", "BTFCONVERT_SHARDS (8) must equal the array size (16)")]
    public void Each_aws_batch_rule_catches_a_broken_copy(string block, string from, string to, string error)
    {
        string definition = DocBlock("aws-job-definition"), submit = DocBlock("aws-submit");
        Assert.Contains(from, block == "aws-submit" ? submit : definition, StringComparison.Ordinal);
        if (block == "aws-submit")
        {
            submit = submit.Replace(from, to, StringComparison.Ordinal);
        }
        else
        {
            definition = definition.Replace(from, to, StringComparison.Ordinal);
        }

        Assert.Contains(AwsRuleErrors(CheckAws(definition), Submit(submit)), e => e.Contains(error, StringComparison.Ordinal));
    }

    [SkippableFact]
    public void The_service_model_check_refuses_unknown_members_and_missing_required_ones()
    {
        string definition = DocBlock("aws-job-definition");
        var unknown = Run("aws-register", Write("unknown.json", definition.Replace("\"jobRoleArn\"", "\"roleArn\"", StringComparison.Ordinal)));
        Assert.True(unknown.ExitCode == 1, unknown.Output);
        Assert.Contains("Unexpected key 'roleArn'", unknown.StdErr, StringComparison.Ordinal);
        var missing = RunShell(DocBlock("aws-submit").Replace("--job-queue conversions ", "", StringComparison.Ordinal));
        Assert.True(missing.ExitCode == 1, missing.Output);
        Assert.Contains("Missing required key 'jobQueue'", missing.StdErr, StringComparison.Ordinal);
    }

    /// <summary>
    /// The rules of the RegisterJobDefinition and SubmitJob reference the SDK's model does not carry (enums,
    /// patterns, ranges), for what the example uses, and this project's: exit codes 2 and 6 end the job, the
    /// definition leaves N to BTFCONVERT_SHARDS, which the submission sets to the array size.
    /// </summary>
    private static List<string> AwsRuleErrors(JsonElement definition, JsonElement submit)
    {
        var errors = new List<string>();
        void Rule(bool holds, string message) => Broken(errors, holds, message);

        Rule(Text(definition, "type") is "container" or "multinode", "type must be container or multinode");
        var platforms = definition.TryGetProperty("platformCapabilities", out var p) ? p.EnumerateArray().Select(e => e.GetString()).ToList() : ["EC2"];
        Rule(platforms.All(x => x is "EC2" or "FARGATE"), "platformCapabilities must be EC2 or FARGATE");
        var container = definition.GetProperty("containerProperties");
        var resources = container.GetProperty("resourceRequirements").EnumerateArray().ToDictionary(r => Text(r, "type")!, r => Text(r, "value")!);
        Rule(resources.Keys.All(k => k is "GPU" or "VCPU" or "MEMORY"), "resourceRequirements type must be GPU, VCPU or MEMORY");
        Rule(resources.ContainsKey("VCPU") && resources.ContainsKey("MEMORY"), "VCPU and MEMORY are required");
        Rule(resources.TryGetValue("VCPU", out var vcpu) && int.TryParse(vcpu, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1, "VCPU must be a whole number of at least 1 on EC2");
        Rule(resources.TryGetValue("MEMORY", out var memory) && int.TryParse(memory, NumberStyles.None, CultureInfo.InvariantCulture, out int mib) && mib >= 4,
            "MEMORY must be a whole number of MiB, at least 4");
        var retry = definition.GetProperty("retryStrategy");
        Rule(Number(retry, "attempts") is >= 1 and <= 10, "retryStrategy.attempts must be 1 to 10");
        var onExit = retry.GetProperty("evaluateOnExit").EnumerateArray().ToList();
        Rule(onExit.Count <= 5, "at most 5 evaluateOnExit conditions");
        foreach (var condition in onExit)
        {
            string? action = Text(condition, "action");
            Rule(action?.ToUpperInvariant() is "RETRY" or "EXIT", $"action {action} must be RETRY or EXIT");
            Rule(Text(condition, "onExitCode") is null or { Length: <= 512 } && ExitCodePattern().IsMatch(Text(condition, "onExitCode") ?? "0"),
                "onExitCode must be digits, optionally ending in *");
            Rule(Text(condition, "onReason") is null or { Length: <= 512 } && ReasonPattern().IsMatch(Text(condition, "onReason") ?? "x"),
                "onReason must be letters, digits, '.', ':' and spaces, optionally ending in *");
        }

        Rule(new[] { "2", "6" }.All(code => onExit.Any(c => Text(c, "onExitCode") == code && Text(c, "action")?.ToUpperInvariant() == "EXIT")),
            "exit codes 2 and 6 must EXIT (a retry would not help)");
        Rule(Number(definition.GetProperty("timeout"), "attemptDurationSeconds") >= 60, "timeout.attemptDurationSeconds must be at least 60");
        var command = container.GetProperty("command").EnumerateArray().Select(a => a.GetString()).ToList();
        Rule(command.IndexOf("--shard") is int s && s >= 0 && command[s + 1] == "auto", "the definition gives --shard auto without N, so N comes from BTFCONVERT_SHARDS");

        Rule(Text(submit, "jobDefinition") == Text(definition, "jobDefinitionName"), "submit-job names the registered definition");
        int? size = Number(submit.GetProperty("arrayProperties"), "size");
        Rule(size is >= 2 and <= 10_000, "arrayProperties.size must be 2 to 10000");
        string? shards = submit.GetProperty("containerOverrides").GetProperty("environment").EnumerateArray()
            .Where(e => Text(e, "name") == "BTFCONVERT_SHARDS").Select(e => Text(e, "value")).SingleOrDefault();
        Rule(shards == size?.ToString(CultureInfo.InvariantCulture), $"BTFCONVERT_SHARDS ({shards}) must equal the array size ({size})");
        return errors;
    }

    private JsonElement CheckAws(string json)
    {
        var r = Run("aws-register", Write("job-definition.json", json));
        Assert.True(r.ExitCode == 0, r.Output);
        return JsonDocument.Parse(r.StdOut).RootElement.Clone();
    }

    /// <summary>Runs the doc's submit block in bash as written, `aws batch submit-job` being the offline model check.</summary>
    private JsonElement Submit(string block)
    {
        var r = RunShell(block);
        Assert.True(r.ExitCode == 0, r.Output);
        return JsonDocument.Parse(r.StdOut).RootElement.Clone();
    }

    private CliRunner.Result RunShell(string block)
    {
        string script = "aws() { [ \"$1 $2\" = 'batch submit-job' ] || { echo \"not submit-job: $*\" >&2; return 2; }; shift 2; node check.mjs aws-submit \"$@\"; }\n" +
            "set -e\n" + block;
        return RunIn("bash", "-c", script);
    }

    // ---- shared ------------------------------------------------------------------------------------------------

    /// <summary>The fenced block between <c>&lt;!-- begin NAME …--&gt;</c> and <c>&lt;!-- end NAME --&gt;</c> of docs/scale-out.md.</summary>
    internal static string DocBlock(string name) => DocBlocks.Fenced("scale-out.md", name);

    private string Write(string name, string text)
    {
        string path = _dir.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    private static CliRunner.Result Run(params string[] args) => RunIn("node", ["check.mjs", .. args]);

    private static CliRunner.Result RunIn(string file, params string[] args)
    {
        if (!Directory.Exists(Path.Combine(Checker, "node_modules")))
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                "tests/manifests/node_modules is missing: scripts/setup.sh installs it");
            Skip.If(true, "tests/manifests/node_modules is missing (cd tests/manifests && npm ci)");
        }

        return CliRunner.RunProgramIn(Checker, null, file, args);
    }

    /// <summary>Adds the rule's message to the errors when it does not hold.</summary>
    private static void Broken(List<string> errors, bool holds, string message)
    {
        if (!holds)
        {
            errors.Add(message);
        }
    }

    private static string? Text(JsonElement e, params string[] path)
    {
        foreach (string p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return null;
            }
        }

        return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
    }

    private static int? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^auto/(\d+)$")]
    private static partial Regex AutoN();

    [GeneratedRegex(@"^\d+\*?$")]
    private static partial Regex ExitCodePattern();

    [GeneratedRegex(@"^[A-Za-z0-9.: ]*\*?$")]
    private static partial Regex ReasonPattern();
}
