using System.CommandLine;

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

    public GlobalOptions()
    {
        LogFormat.AcceptOnlyFromAmong("text", "json");
    }

    public IEnumerable<Option> All => [LogFormat, Quiet, Verbose, LogFile, Profile, Region, EndpointUrl, PathStyle];

    public void ConfigureLogging(ParseResult result) =>
        LoggingSetup.Configure(result.GetValue(LogFormat) ?? "text", result.GetValue(Quiet), result.GetValue(Verbose), result.GetValue(LogFile));

    public StorageSettings StorageSettings(ParseResult result) => new(
        result.GetValue(Profile), result.GetValue(Region), result.GetValue(EndpointUrl), result.GetValue(PathStyle));
}

/// <summary>What the storage layer needs from the command line.</summary>
public sealed record StorageSettings(string? Profile, string? Region, string? EndpointUrl, bool PathStyle);
