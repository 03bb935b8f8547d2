using BtfConvert.Core;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BtfConvert.Core.IO;
using BtfConvert.Core.Verification;
using Serilog;

namespace BtfConvert.Cli;

/// <summary>
/// <c>btfconvert verify OUT [--source IN]</c>: checks a converted file before the original is deleted. Exit 0 only
/// when every check passes; a failed check is <see cref="ExitCodes.VerificationFailed"/> with one error line.
/// </summary>
public static class VerifyCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(GlobalOptions global)
    {
        var output = LocationArgument.Create("output", "A converted pyramidal TIFF: a path or s3://bucket/key");
        var source = new Option<string?>("--source") { Description = "The input it was converted from: compare pixels with it" };
        source.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && string.IsNullOrWhiteSpace(r.Tokens[0].Value))
            {
                r.AddError("--source must be a path or an s3:// URI, not empty");
            }
        });
        var samples = new Option<int>("--samples") { Description = "Random tiles of level 0 and of level 1 compared with the source", DefaultValueFactory = _ => 8 };
        var minPsnr = new Option<double>("--min-psnr") { Description = "Lowest PSNR (dB) a JPEG tile may have against the source", DefaultValueFactory = _ => 30 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random tile choice", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var threads = new Option<int>("--threads", "-j") { Description = "Tile-decoding threads (0 = one per core)", DefaultValueFactory = _ => 0 };
        var command = new Command("verify", "Check a converted file: structure, every tile decodes, and (with --source) pixels match the input")
        {
            output, source, samples, minPsnr, seed, json, threads,
        };
        command.SetAction((result, ct) => CommandRunner.RunAsync(result, global, ct, async () =>
        {
            var options = new VerifyOptions(result.GetValue(samples), result.GetValue(minPsnr), result.GetValue(seed), result.GetValue(threads));
            if (options.Samples < 1 || options.Threads < 0 || !double.IsFinite(options.MinPsnr))
            {
                throw new UsageException("--samples must be at least 1, --threads not negative, --min-psnr a number");
            }

            var storage = StorageFactory.Create(global.StorageSettings(result));
            string outputLocation = result.GetValue(output)!;
            string? sourceLocation = result.GetValue(source);
            await using var outputSource = await storage.OpenReadAsync(outputLocation, ct).ConfigureAwait(false);
            IByteSource? input = sourceLocation is null ? null : await storage.OpenReadAsync(sourceLocation, ct).ConfigureAwait(false);
            try
            {
                var report = await OutputVerifier.VerifyAsync(outputSource, input, options, ct).ConfigureAwait(false);
                Console.Out.Write(result.GetValue(json) ? JsonSerializer.Serialize(ToJson(report), JsonOptions) + "\n" : ToText(report));
                if (report.FirstFailure is { } failure)
                {
                    Log.Error("{Output}: verification failed: {Check}: {Detail}", outputLocation, failure.Name, failure.Detail);
                    return ExitCodes.VerificationFailed;
                }

                Log.Information("{Output}: verified ({Checks} checks passed)", outputLocation, report.Checks.Count);
                return ExitCodes.Success;
            }
            finally
            {
                if (input is not null)
                {
                    await input.DisposeAsync().ConfigureAwait(false);
                }
            }
        }));
        return command;
    }

    private static object ToJson(VerificationReport r) => new
    {
        r.Output,
        r.Source,
        r.Passed,
        r.Checks,
        r.Levels,
        r.TilesDecoded,
        r.WindowsCompared,
        LowestPsnr = r.LowestPsnr is { } p && double.IsFinite(p) ? Math.Round(p, 2) : (double?)null,
    };

    private static string ToText(VerificationReport r)
    {
        var lines = new List<string> { $"Verifying {r.Output}" + (r.Source is null ? string.Empty : $" against {r.Source}") };
        lines.AddRange(r.Checks.Select(c => $"  {(c.Passed ? "ok  " : "FAIL")} {c.Name}: {c.Detail}"));
        lines.Add(r.Passed
            ? string.Create(CultureInfo.InvariantCulture, $"PASSED: {r.Levels.Count} levels, {r.TilesDecoded} tiles decoded, {r.WindowsCompared} windows compared")
            : "FAILED");
        return string.Join('\n', lines) + "\n";
    }
}
