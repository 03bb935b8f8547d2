using System.CommandLine;
using System.Globalization;
using BtfConvert.Core;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using Serilog;

namespace BtfConvert.Cli;

/// <summary><c>btfconvert convert IN OUT</c>: one strip BigTIFF to one tiled pyramidal TIFF.</summary>
public static class ConvertCommand
{
    public static Option<int> TileSize { get; } = new("--tile-size")
    {
        Description = "Tile width and height in pixels (a multiple of 16)",
        DefaultValueFactory = _ => 256,
    };

    public static Option<TileCompression> Compression { get; } = new("--compression", "-c")
    {
        Description = "Tile compression: jpeg (YCbCr 4:2:0), deflate, zstd, lzw or none",
        DefaultValueFactory = _ => TileCompression.Jpeg,
        HelpName = "jpeg|deflate|zstd|lzw|none",
        CustomParser = r => ParseEnum<TileCompression>(r, "--compression must be jpeg, deflate, zstd, lzw or none"),
    };

    public static Option<int> Quality { get; } = new("--quality", "-Q")
    {
        Description = "JPEG quality, 1–100",
        DefaultValueFactory = _ => TileEncoderFactories.DefaultJpegQuality,
    };

    public static Option<BigTiffMode> BigTiff { get; } = new("--bigtiff")
    {
        Description = "Write BigTIFF: auto (when the output could pass 4 GB), yes or no",
        DefaultValueFactory = _ => BigTiffMode.Auto,
        HelpName = "auto|yes|no",
        CustomParser = r => ParseEnum<BigTiffMode>(r, "--bigtiff must be auto, yes or no"),
    };

    public static Option<int> Threads { get; } = new("--threads", "-j")
    {
        Description = "Encoding threads (0 = one per core); the output is identical for any value",
        DefaultValueFactory = _ => 0,
    };

    public static Option<double?> Mpp { get; } = new("--mpp")
    {
        Description = "Pixel size in micrometres; overrides the scanner's calibration (Olympus SIS)",
    };

    public static Option<bool> Overwrite { get; } = new("--overwrite", "-f") { Description = "Replace an existing output" };

    public static Option<bool> IgnoreOrientation { get; } = new(ImageOrientation.AsStoredOption)
    {
        Description = "Convert the pixels as stored, ignoring the Orientation tag (needed for orientations 5-8, which are not turned upright)",
    };

    private static T ParseEnum<T>(System.CommandLine.Parsing.ArgumentResult result, string error)
        where T : struct, Enum
    {
        string value = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
        {
            return parsed;
        }

        result.AddError($"{error} (got '{value}')");
        return default;
    }

    public static Command Create(GlobalOptions global)
    {
        var input = LocationArgument.Create("input", "Strip-organized TIFF/BigTIFF (.btf): a path or s3://bucket/key");
        var output = LocationArgument.Create("output", "Tiled pyramidal TIFF to write: a path or s3://bucket/key");
        var command = new Command("convert", "Convert one strip BigTIFF into a web-optimized tiled pyramidal TIFF")
        {
            input, output, TileSize, Compression, Quality, BigTiff, Threads, Mpp, Overwrite, IgnoreOrientation,
        };
        command.SetAction((result, ct) => CommandRunner.RunAsync(result, global, ct, async () =>
        {
            var options = OptionsFrom(result);
            options.Validate();
            var storage = StorageFactory.Create(global.StorageSettings(result));
            bool live = ProgressDisplay.UseLiveBar(result.GetValue(global.Quiet), result.GetValue(global.LogFormat) ?? "text");
            string source = result.GetValue(input)!;
            var converted = await ConvertOneAsync(storage, source, ResolveOutput(source, result.GetValue(output)!), options,
                result.GetValue(Overwrite), live, result.GetValue(global.Quiet), ct).ConfigureAwait(false);
            LogResult(converted);
            return ExitCodes.Success;
        }));
        return command;
    }

    public static ConversionOptions OptionsFrom(ParseResult result) => new()
    {
        TileSize = result.GetValue(TileSize),
        Compression = result.GetValue(Compression),
        Quality = result.GetValue(Quality),
        BigTiff = result.GetValue(BigTiff),
        Threads = result.GetValue(Threads),
        MicronsPerPixel = result.GetValue(Mpp),
        IgnoreOrientation = result.GetValue(IgnoreOrientation),
    };

    /// <summary>An output that is a directory (existing, or ending in '/') gets the input's name with ".tiff".</summary>
    public static string ResolveOutput(string input, string output)
    {
        bool isDirectory = output.EndsWith('/')
            || (!StorageLocation.IsRemote(output) && Directory.Exists(output));
        if (!isDirectory)
        {
            return output;
        }

        string name = Path.GetFileNameWithoutExtension(input.TrimEnd('/')) + ".tiff";
        return output.EndsWith('/') ? output + name : Path.Combine(output, name);
    }

    /// <summary>Checks what only a single conversion must (input is not output, no output yet), then converts.</summary>
    public static async Task<ConversionResult> ConvertOneAsync(IStorage storage, string input, string output,
        ConversionOptions options, bool overwrite, bool liveBar, bool quiet, CancellationToken ct)
    {
        if (string.Equals(input, output, StringComparison.Ordinal)
            || (!StorageLocation.IsRemote(input) && !StorageLocation.IsRemote(output)
                && string.Equals(Path.GetFullPath(input), Path.GetFullPath(output), StringComparison.Ordinal)))
        {
            throw new UsageException($"{output}: the output must not be the input");
        }

        if (!overwrite && await storage.GetInfoAsync(output, ct).ConfigureAwait(false) is not null)
        {
            throw OutputExistsException.For(output);
        }

        var job = new ConversionJob(input, output, options, overwrite);
        return await StorageConversion.ConvertAsync(storage, job, new ConsoleMonitor(input, output, liveBar, quiet), ct).ConfigureAwait(false);
    }

    private sealed class ConsoleMonitor(string input, string output, bool liveBar, bool quiet) : IConversionMonitor
    {
        public void Inspected(SourceInfo source, long sourceBytes)
        {
            foreach (var warning in source.Warnings)
            {
                Log.Warning("{Input}: {Warning}", input, warning);
            }

            foreach (var note in source.Notes)
            {
                Log.Information("{Input}: {Note}", input, note);
            }

            Log.Information("Converting {Input} ({Width}x{Height}, {Size:0.0} GB) to {Output}",
                input, source.Main.Width, source.Main.Height, sourceBytes / 1e9, output);
        }

        public Task<ConversionResult> TrackAsync(long sourceBytes, Func<IProgress<ConversionProgress>?, Task<ConversionResult>> convert) =>
            ProgressDisplay.RunAsync(Path.GetFileName(input), sourceBytes, liveBar, quiet, convert);
    }

    public static void LogResult(ConversionResult r)
    {
        double seconds = Math.Max(0.001, r.Elapsed.TotalSeconds);
        Log.Information(
            "Wrote {Output}: {Levels} levels ({Sizes}), {Tiles} tiles ({Duplicates} shared), {Size:0.0} MB ({Ratio:0.0}x smaller), {Encoder}, mpp {Mpp}, {Seconds:0.0} s, {Rate:0} MB/s",
            r.Destination, r.Plan.Levels.Count, string.Join(" ", r.Plan.Levels.Select(l => $"{l.Width}x{l.Height}")),
            r.TilesWritten, r.DuplicateTiles, r.OutputBytes / 1e6, (double)r.SourceBytes / Math.Max(1, r.OutputBytes), r.Encoder,
            r.MicronsPerPixel?.ToString("0.####", CultureInfo.InvariantCulture) ?? "unknown", seconds, r.SourceBytes / 1e6 / seconds);
        if (r.Stages is { } t)
        {
            // Producer stages run on one thread, tile cut and encode are summed over the workers; see StageTimings.
            Log.Debug(
                "Stage times (s): read wait {Read:0.00}, row copy {Copy:0.00}, downsample {Downsample:0.00}, submit wait {SubmitWait:0.00}, producer CPU {ProducerCpu:0.00} | tile cut {Cut:0.00}, encode {Encode:0.00} (all workers) | write {Write:0.00} | commit (head, fsync, rename) {Commit:0.00} | wall {Wall:0.00} | read-ahead peak {Reads} reads, {ReadMiB:0.0} MiB",
                t.Read.TotalSeconds, t.RowCopy.TotalSeconds, t.Downsample.TotalSeconds, t.SubmitWait.TotalSeconds,
                t.ProducerCpu.TotalSeconds, t.TileCut.TotalSeconds, t.Encode.TotalSeconds, t.Write.TotalSeconds,
                t.Commit.TotalSeconds, seconds, t.PeakReadsAhead, t.PeakReadAheadBytes / 1048576.0);
            if (t.ReadAheadSteps.Count > 0)
            {
                // Why the read-ahead ended where it did: each step and the link rate the size before it delivered.
                Log.Debug("Read-ahead steps (reads): {Steps}", string.Join(", ", t.ReadAheadSteps));
            }
        }
    }
}
