using System.CommandLine;
using System.Globalization;
using BtfConvert.Core;

namespace BtfConvert.Cli;

/// <summary>Options every command takes: logging and S3 access.</summary>
public sealed class GlobalOptions
{
    public Option<string> LogFormat { get; } = new("--log-format")
    {
        Description = "Log line format: text or json (one JSON object per line)",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Only warnings and errors; no progress", Recursive = true };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Debug logging and stack traces on errors", Recursive = true };

    public Option<string?> LogFile { get; } = new("--log-file") { Description = "Also write JSON log lines to this file", Recursive = true };

    public Option<string?> Profile { get; } = new("--profile") { Description = "AWS shared-credentials profile for s3:// locations", Recursive = true };

    public Option<string?> Region { get; } = new("--region") { Description = "AWS region for s3:// locations", Recursive = true };

    public Option<string?> EndpointUrl { get; } = new("--endpoint-url")
    {
        Description = "S3-compatible endpoint (MinIO, Ceph, OCI); also AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL",
        Recursive = true,
    };

    public Option<bool> PathStyle { get; } = new("--path-style") { Description = "Path-style S3 addressing (most S3-compatible stores)", Recursive = true };

    public const string MaxConcurrentReadsVariable = "BTFCONVERT_S3_MAX_CONCURRENT_READS";

    public Option<int?> S3MaxConcurrentReads { get; } = new("--s3-max-concurrent-reads")
    {
        Description = $"Most ranged GETs in flight per conversion, 1-{Aws.S3Settings.MaxConcurrentReadsLimit} (default: adaptive up to 32 reads of 1-2 MiB; N reads of 2 MiB when set); also {MaxConcurrentReadsVariable}",
        Recursive = true,
    };

    public GlobalOptions()
    {
        LogFormat.AcceptOnlyFromAmong("text", "json");
    }

    public IEnumerable<Option> All => [LogFormat, Quiet, Verbose, LogFile, Profile, Region, EndpointUrl, PathStyle, S3MaxConcurrentReads];

    public void ConfigureLogging(ParseResult result) =>
        LoggingSetup.Configure(result.GetValue(LogFormat) ?? "text", result.GetValue(Quiet), result.GetValue(Verbose), result.GetValue(LogFile));

    public StorageSettings StorageSettings(ParseResult result) => new(
        result.GetValue(Profile), result.GetValue(Region), result.GetValue(EndpointUrl), result.GetValue(PathStyle))
    {
        MaxConcurrentReads = MaxConcurrentReads(result.GetValue(S3MaxConcurrentReads), Environment.GetEnvironmentVariable),
    };

    /// <summary>The option, else the environment variable, else null (adaptive); out of range is a usage error.</summary>
    internal static int? MaxConcurrentReads(int? option, Func<string, string?> environment)
    {
        string? text = option?.ToString(CultureInfo.InvariantCulture) ?? environment(MaxConcurrentReadsVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string name = option is null ? MaxConcurrentReadsVariable : "--s3-max-concurrent-reads";
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < 1 || value > Aws.S3Settings.MaxConcurrentReadsLimit)
        {
            throw new UsageException($"{name} must be between 1 and {Aws.S3Settings.MaxConcurrentReadsLimit} (got {text.Trim()})");
        }

        return value;
    }
}

/// <summary>What the storage layer needs from the command line.</summary>
public sealed record StorageSettings(string? Profile, string? Region, string? EndpointUrl, bool PathStyle)
{
    /// <summary>--s3-max-concurrent-reads or its environment variable; null: adaptive with the default cap.</summary>
    public int? MaxConcurrentReads { get; init; }
}
