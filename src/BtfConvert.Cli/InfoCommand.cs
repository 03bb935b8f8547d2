using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Cli;

/// <summary>
/// <c>btfconvert info IN [--json]</c>: what any TIFF holds (every directory: size, tiling, compression, role; the pixel
/// size; a btfconvert output's record and associated images) and, for an input btfconvert can convert, the pyramid a
/// conversion would produce. Only directories are read, never pixels.
/// </summary>
public static class InfoCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(GlobalOptions global)
    {
        var input = LocationArgument.Create("input", "Any TIFF/BigTIFF (an input or an output): a path or s3://bucket/key");
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var command = new Command("info", "Describe any TIFF (directories, levels, tiles, compression, pixel size, associated images, the output record) and the pyramid a conversion would produce")
        {
            input, json, ConvertCommand.TileSize, ConvertCommand.Compression, ConvertCommand.Quality, ConvertCommand.Mpp,
        };
        command.SetAction((result, ct) => CommandRunner.RunAsync(result, global, ct, async () =>
        {
            var options = ConvertCommand.OptionsFrom(result);
            options.Validate();
            var storage = StorageFactory.Create(global.StorageSettings(result));
            string location = result.GetValue(input)!;
            await using var source = await storage.OpenReadAsync(location, ct).ConfigureAwait(false);
            var structure = await TiffStructure.ReadAsync(source, ct).ConfigureAwait(false);
            InfoReport report;
            try
            {
                report = Describe(await SourceInspector.InspectAsync(source, ct).ConfigureAwait(false), options, structure);
            }
            catch (NotSupportedException e)
            {
                // A valid TIFF btfconvert does not convert is still described; only a damaged one is an error.
                report = DescribeOnly(structure, e.Message);
            }

            Console.Out.Write(result.GetValue(json) ? JsonSerializer.Serialize(report, JsonOptions) + "\n" : ToText(report));
            return ExitCodes.Success;
        }));
        return command;
    }

    public static InfoReport Describe(SourceInfo info, ConversionOptions options, TiffStructureReport structure)
    {
        var main = info.Main;
        var plan = ConversionPlan.Create(info, options);
        var pyramid = plan.Pyramid;
        var dirs = structure.Directories.Select(d => d.Tiled || structure.Directories.Any(t => t.Tiled) ? d : d with
        {
            Role = d.Index == main.DirectoryIndex ? "main" : info.AssociatedImages.Any(a => a.SourceDirectoryIndex == d.Index) ? "associated" : "skipped",
        }).ToList();
        long raw = pyramid.Levels.Sum(l => (long)l.Width * l.Height * main.SamplesPerPixel);
        return new InfoReport(
            info.File.Name, info.File.Length, info.File.Header.IsBigTiff ? "BigTIFF" : "TIFF",
            info.File.Header.LittleEndian ? "little-endian" : "big-endian",
            main.Width, main.Height, main.SamplesPerPixel, main.Strips?.RowsPerStrip ?? 0, main.Strips?.Offsets.Count ?? 0,
            main.Strips?.Offsets[0] ?? 0,
            main.Describe(),
            main.Directory.GetString(TiffTag.Make), main.Directory.GetString(TiffTag.Model),
            main.Directory.GetString(TiffTag.Artist), main.Directory.GetString(TiffTag.DateTime),
            plan.MicronsPerPixel, plan.PixelSizeSource, plan.ObjectivePower, info.Sis?.CameraName,
            dirs, structure.MicronsPerPixel, structure.Record, Convertible: true, NotConvertible: null,
            pyramid.Levels.Select((l, i) => new LevelReport(i, l.Width, l.Height, l.TilesAcross, l.TilesDown)).ToList(),
            pyramid.TotalTiles,
            EstimateOutputBytes(raw, options.Compression, options.Quality),
            plan.BigTiff,
            plan.EncoderName,
            info.Warnings)
        {
            Orientation = main.Orientation.Describe(),
            PixelSizeDetail = plan.PixelSizeSource is "tiff-resolution" or "none" ? TiffResolution.Read(main.Directory).Detail : null,
            ObjectiveSource = plan.ObjectivePowerSource,
        };
    }

    /// <summary>A TIFF btfconvert would not convert (<paramref name="reason"/>): its directories only, IFD 0 as the image.</summary>
    public static InfoReport DescribeOnly(TiffStructureReport structure, string reason)
    {
        var first = structure.Directories[0];
        return new InfoReport(structure.File, structure.FileBytes, structure.Format, structure.ByteOrder, (int)first.Width, (int)first.Height,
            first.SamplesPerPixel, first.RowsPerStrip, first.Tiled ? 0 : (int)first.Chunks, 0,
            $"{first.SamplesPerPixel}x{first.BitsPerSample}-bit, {first.Compression}, {(first.Tiled ? "tiled" : "strips")}", null, null, null, null,
            structure.MicronsPerPixel, structure.MicronsPerPixel is null ? "none" : "tiff-resolution", null, null,
            structure.Directories, structure.MicronsPerPixel, structure.Record, Convertible: false, NotConvertible: reason,
            [], 0, 0, false, string.Empty, [])
        {
            PixelSizeDetail = structure.ResolutionDetail,
        };
    }

    /// <summary>A rough typical size for tissue scans (JPEG q90 4:2:0 ≈ 10:1), for planning disk and transfer.</summary>
    private static long EstimateOutputBytes(long rawBytes, TileCompression compression, int quality) => compression switch
    {
        TileCompression.Jpeg => (long)(rawBytes * (quality >= 95 ? 0.2 : quality >= 85 ? 0.1 : 0.06)),
        TileCompression.Deflate => rawBytes / 2,
        TileCompression.Zstd => rawBytes * 45 / 100,
        TileCompression.Lzw => rawBytes * 6 / 10,
        _ => rawBytes,
    };

    private static string ToText(InfoReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Create(inv, $"File:        {r.File} ({r.FileBytes:N0} bytes, {r.Format}, {r.ByteOrder})"),
            r.Convertible
                ? string.Create(inv, $"Image:       {r.Width} x {r.Height}, {r.SourceFormat}; converted as {r.SamplesPerPixel} samples/pixel, 8-bit")
                : string.Create(inv, $"Image:       {r.Width} x {r.Height}, {r.SourceFormat} (IFD 0)"),
            $"Orientation: {r.Orientation}",
            $"Scanner:     {r.Make} {r.Model} {r.Artist}".TrimEnd(),
            $"Date:        {r.DateTime}",
            PixelSizeLine(r),
        };
        if (r.Magnification is > 0)
        {
            lines.Add(string.Create(inv, $"Objective:   {r.Magnification:0.##}x ({r.ObjectiveSource}){(string.IsNullOrEmpty(r.Camera) ? string.Empty : $", camera {r.Camera}")}"));
        }

        lines.Add("Directories:");
        foreach (var d in r.Directories)
        {
            string layout = d.Tiled
                ? string.Create(inv, $"tiles {d.TileWidth}x{d.TileHeight} ({d.Chunks} tiles)")
                : string.Create(inv, $"{d.Chunks} strip(s) of {d.RowsPerStrip} rows");
            lines.Add(string.Create(inv,
                $"  IFD {d.Index} at byte {d.Offset}: {d.Width} x {d.Height}, {d.SamplesPerPixel}x{d.BitsPerSample}-bit, {d.Compression}, {layout}, {d.Entries} tags{(d.HasExif ? ", EXIF" : string.Empty)} — {d.Role}"));
        }

        if (r.ResolutionMicronsPerPixel is { } resolution && r.PixelSizeSource != "tiff-resolution")
        {
            lines.Add(string.Create(inv, $"Resolution:  {resolution:0.######} µm per pixel (X/YResolution, pixels per cm)"));
        }

        if (r.Record is { } record)
        {
            lines.Add("Record:      written by btfconvert");
            lines.AddRange(record.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"  {p.Key}: {p.Value}"));
        }

        if (r.Convertible)
        {
            lines.Add(string.Create(inv, $"Planned pyramid ({r.Encoder}, {r.TotalTiles:N0} tiles, {(r.BigTiff ? "BigTIFF" : "classic TIFF")}, about {r.EstimatedOutputBytes / 1e6:0} MB):"));
            foreach (var l in r.Levels)
            {
                lines.Add(string.Create(inv, $"  level {l.Index}: {l.Width} x {l.Height} ({l.TilesAcross} x {l.TilesDown} tiles)"));
            }
        }
        else
        {
            lines.Add($"Conversion:  not convertible: {r.NotConvertible}");
        }

        foreach (var w in r.Warnings)
        {
            lines.Add($"Warning:     {w}");
        }

        return string.Join('\n', lines) + "\n";
    }

    /// <summary>"Pixel size: 0.3448 µm (olympus-sis)", with what the resolution tags say when they are the source or give nothing.</summary>
    private static string PixelSizeLine(InfoReport r)
    {
        string detail = string.IsNullOrEmpty(r.PixelSizeDetail) ? string.Empty : $": {r.PixelSizeDetail}";
        return r.MicronsPerPixel is { } m
            ? string.Create(CultureInfo.InvariantCulture, $"Pixel size:  {m:0.######} µm ({r.PixelSizeSource}{detail})")
            : $"Pixel size:  unknown ({(detail.Length > 0 ? r.PixelSizeDetail + "; " : string.Empty)}use --mpp)";
    }

    /// <param name="RowsPerStrip">Rows per strip of a main image read in place (plain strips); 0 for one that is decoded,
    /// whose strips or tiles <paramref name="SourceFormat"/> and its directory describe.</param>
    /// <param name="Strips">Strips of a main image read in place; 0 for one that is decoded.</param>
    /// <param name="Record">A btfconvert output's record (where it came from, when, with which options); null for other files.</param>
    /// <param name="NotConvertible">Why btfconvert would not convert this TIFF (then there is no planned pyramid).</param>
    public sealed record InfoReport(
        string File, long FileBytes, string Format, string ByteOrder, int Width, int Height, int SamplesPerPixel,
        long RowsPerStrip, int Strips, long FirstStripOffset, string SourceFormat, string? Make, string? Model, string? Artist, string? DateTime,
        double? MicronsPerPixel, string PixelSizeSource, double? Magnification, string? Camera,
        IReadOnlyList<TiffDirectoryReport> Directories, double? ResolutionMicronsPerPixel, IReadOnlyDictionary<string, string>? Record,
        bool Convertible, string? NotConvertible, IReadOnlyList<LevelReport> Levels, long TotalTiles,
        long EstimatedOutputBytes, bool BigTiff, string Encoder, IReadOnlyList<string> Warnings)
    {
        /// <summary>The Orientation tag in words; flips are turned upright by convert, transposes need --ignore-orientation.</summary>
        public string Orientation { get; init; } = string.Empty;

        /// <summary>What the resolution tags say when they gave the pixel size or failed to (a 72-dpi default, none).</summary>
        public string? PixelSizeDetail { get; init; }

        /// <summary>Where <see cref="Magnification"/> (the objective power) came from: olympus-sis, image-description, none.</summary>
        public string ObjectiveSource { get; init; } = "none";
    }

    public sealed record LevelReport(int Index, int Width, int Height, int TilesAcross, int TilesDown);
}
