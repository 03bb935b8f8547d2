using System.Globalization;
using BtfConvert.Core.IO;
using BtfConvert.Core.Pyramid;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Verification;

/// <summary>
/// Checks a converted file the way a user needs before deleting the original: the structure (every level tiled,
/// floor-halving sizes, every tile's bytes inside the file and plausibly sized), every tile decodes, and — given
/// the source — random windows of level 0 equal the source (exactly for lossless, within a PSNR for JPEG) and
/// windows of level 1 equal the source's 2×2 box average. Damage is reported as failed checks, not exceptions;
/// only a bad or unreadable <em>source</em> throws (it is the input's problem, not the output's).
/// </summary>
public static class OutputVerifier
{
    public static async Task<VerificationReport> VerifyAsync(
        IByteSource output, IByteSource? source, VerifyOptions options, CancellationToken cancellationToken)
    {
        var checks = new List<VerificationCheck>();
        VerificationReport Report(IReadOnlyList<OutputLevel> levels, long decoded = 0, int windows = 0, double? psnr = null) =>
            new(output.Name, source?.Name, checks,
                levels.Select(l => new VerifiedLevel(l.Index, l.Width, l.Height, l.TileWidth, l.TileHeight, l.TileCount, l.Compression)).ToList(),
                decoded, windows, psnr);

        TiffFileInfo file;
        try
        {
            file = await TiffFileReader.ReadAsync(new CachedReader(output), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or NotSupportedException)
        {
            checks.Add(new("structure", false, e.Message));
            return Report([]);
        }

        if (file.Warnings.Count > 0)
        {
            // The reader is lenient with damaged tags an input conversion does not need (libtiff-like), but an output
            // about to replace its source must have none; LibTiff.NET would also allocate what a damaged count
            // claims (an ASCII count of 50 M gave 400 MB) before the tiles are decoded.
            checks.Add(new("structure", false, string.Join("; ", file.Warnings)));
            return Report([]);
        }

        checks.Add(new("structure", true, Invariant($"{(file.Header.IsBigTiff ? "BigTIFF" : "classic TIFF")}, {file.Directories.Count} IFDs")));
        var (levels, levelProblems) = ReadLevels(file);
        checks.Add(levelProblems.Count == 0
            ? new("levels", true, string.Join(" ", levels.Select(l => Invariant($"{l.Width}x{l.Height}"))))
            : new("levels", false, Summarize(levelProblems)));
        if (levels.Count == 0)
        {
            return Report(levels);
        }

        var layoutProblems = CheckTileLayout(file, levels);
        checks.Add(new("tile-layout", layoutProblems.Count == 0,
            layoutProblems.Count == 0 ? Invariant($"{levels.Sum(l => l.TileCount)} tiles inside the file") : Summarize(layoutProblems)));
        if (levelProblems.Count > 0 || layoutProblems.Count > 0)
        {
            // Decoding tiles whose offsets are wrong would only repeat the same failure many times.
            return Report(levels);
        }

        var decodeProblems = DecodeAll(output, levels, options.Threads, cancellationToken);
        long tiles = levels.Sum(l => (long)l.TileCount);
        checks.Add(new("tile-decode", decodeProblems.Count == 0,
            decodeProblems.Count == 0 ? Invariant($"{tiles} tiles decoded") : Summarize(decodeProblems)));
        if (source is null)
        {
            return Report(levels, tiles);
        }

        var info = await SourceInspector.InspectAsync(source, cancellationToken).ConfigureAwait(false);
        var main = info.Main;
        if (main.Width != levels[0].Width || main.Height != levels[0].Height || main.SamplesPerPixel != levels[0].SamplesPerPixel)
        {
            checks.Add(new("source-dimensions", false, Invariant(
                $"source is {main.Width}x{main.Height}x{main.SamplesPerPixel}, level 0 is {levels[0].Width}x{levels[0].Height}x{levels[0].SamplesPerPixel}")));
            return Report(levels, tiles);
        }

        checks.Add(new("source-dimensions", true, Invariant($"{main.Width}x{main.Height}x{main.SamplesPerPixel}")));
        if (!main.IsPlainStrips)
        {
            // The comparer reads source windows at random offsets, which only plain uncompressed strips allow.
            checks.Add(new("source-pixels", true, $"not compared: the source is {main.Describe()} (only uncompressed 8-bit strip sources are compared)"));
            return Report(levels, tiles);
        }

        var comparer = new SourceComparer(output, source, main, options);
        var (windows, lowestPsnr) = await comparer.CompareAsync(levels, checks, cancellationToken).ConfigureAwait(false);
        return Report(levels, tiles, windows, lowestPsnr);
    }

    /// <summary>The leading tiled IFDs are the levels; later stripped IFDs are associated images.</summary>
    private static (List<OutputLevel> Levels, ProblemList Problems) ReadLevels(TiffFileInfo file)
    {
        var levels = new List<OutputLevel>();
        var problems = new ProblemList();
        for (int i = 0; i < file.Directories.Count; i++)
        {
            var dir = file.Directories[i];
            if (dir[TiffTag.TileWidth] is null && dir[TiffTag.TileOffsets] is null)
            {
                if (i == 0)
                {
                    problems.Add("IFD 0 is not tiled");
                }

                // Associated images follow the levels; a tiled IFD after them would be a misplaced level.
                for (int j = i + 1; j < file.Directories.Count; j++)
                {
                    if (file.Directories[j][TiffTag.TileWidth] is not null)
                    {
                        problems.Add(Invariant($"IFD {j} is tiled but follows the untiled IFD {i}"));
                    }
                }

                break;
            }

            try
            {
                levels.Add(ReadLevel(i, dir));
            }
            catch (InvalidDataException e)
            {
                problems.Add(Invariant($"level {i}: {e.Message}"));
                return (levels, problems);
            }
        }

        for (int i = 1; i < levels.Count; i++)
        {
            var (previous, level) = (levels[i - 1], levels[i]);
            if (level.Width != previous.Width / 2 || level.Height != previous.Height / 2)
            {
                problems.Add(Invariant($"level {i} is {level.Width}x{level.Height}, expected {previous.Width / 2}x{previous.Height / 2} (half of level {i - 1}, rounded down)"));
            }

            if (level.TileWidth != levels[0].TileWidth || level.TileHeight != levels[0].TileHeight
                || level.SamplesPerPixel != levels[0].SamplesPerPixel || level.Compression != levels[0].Compression)
            {
                problems.Add(Invariant($"level {i} has a different tile size, sample count or compression than level 0"));
            }
        }

        if (levels.Count > 0 && problems.Count == 0)
        {
            var plan = PyramidPlan.Create(levels[0].Width, levels[0].Height, levels[0].TileWidth, levels[0].TileHeight);
            if (plan.Levels.Count != levels.Count)
            {
                problems.Add(Invariant($"{levels.Count} levels, expected {plan.Levels.Count} (halving until a level fits one tile)"));
            }
        }

        return (levels, problems);
    }

    private static OutputLevel ReadLevel(int index, TiffDirectory dir)
    {
        ulong Get(ushort tag, string name) => dir.GetUInt64(tag) ?? throw new InvalidDataException($"missing {name}");
        ulong width = Get(TiffTag.ImageWidth, "ImageWidth"), height = Get(TiffTag.ImageLength, "ImageLength");
        ulong tileWidth = Get(TiffTag.TileWidth, "TileWidth"), tileHeight = Get(TiffTag.TileLength, "TileLength");
        ulong spp = dir.GetUInt64(TiffTag.SamplesPerPixel) ?? 1;
        ulong bits = dir.GetUInt64(TiffTag.BitsPerSample) ?? 1;
        ulong compression = dir.GetUInt64(TiffTag.Compression) ?? TiffConstants.CompressionNone;
        if (width is 0 or > SourceImage.MaxDimension || height is 0 or > SourceImage.MaxDimension)
        {
            throw new InvalidDataException(Invariant($"implausible size {width}x{height}"));
        }

        if (tileWidth is 0 or > 4096 || tileHeight is 0 or > 4096 || tileWidth % 16 != 0 || tileHeight % 16 != 0)
        {
            throw new InvalidDataException(Invariant($"tile size {tileWidth}x{tileHeight} is not a multiple of 16 up to 4096"));
        }

        if (spp is not (1 or 3) || bits != 8)
        {
            throw new InvalidDataException(Invariant($"{spp} samples of {bits} bits; expected 8-bit RGB or gray"));
        }

        if (compression is not (TiffConstants.CompressionNone or TiffConstants.CompressionLzw or TiffConstants.CompressionJpeg
            or TiffConstants.CompressionAdobeDeflate or TiffConstants.CompressionDeflate or TiffConstants.CompressionZstd))
        {
            throw new InvalidDataException(Invariant($"compression {compression} is not one btfconvert writes"));
        }

        var offsets = dir[TiffTag.TileOffsets] ?? throw new InvalidDataException("missing TileOffsets");
        var counts = dir[TiffTag.TileByteCounts] ?? throw new InvalidDataException("missing TileByteCounts");
        if (!offsets.IsInteger || !counts.IsInteger)
        {
            throw new InvalidDataException("TileOffsets/TileByteCounts are not integers");
        }

        // In long: a damaged 2^24-square level with 16-pixel tiles has 2^40 tiles, which would wrap in an int.
        long across = (long)((width + tileWidth - 1) / tileWidth), down = (long)((height + tileHeight - 1) / tileHeight);
        if ((ulong)(across * down) != offsets.Count || (ulong)(across * down) != counts.Count)
        {
            throw new InvalidDataException(Invariant(
                $"{across}x{down} tiles need {across * down} offsets and counts, found {offsets.Count} and {counts.Count}"));
        }

        return new OutputLevel(index, (int)width, (int)height, (int)tileWidth, (int)tileHeight, (int)spp, compression,
            dir.GetUInt64(TiffTag.Predictor) ?? TiffConstants.PredictorNone,
            offsets.GetUInt64Array().Select(v => (long)Math.Min(v, long.MaxValue)).ToArray(),
            counts.GetUInt64Array().Select(v => (long)Math.Min(v, long.MaxValue)).ToArray());
    }

    private static ProblemList CheckTileLayout(TiffFileInfo file, List<OutputLevel> levels)
    {
        var problems = new ProblemList();
        foreach (var level in levels)
        {
            // Deflate/LZW of noise can exceed the raw size a little; JPEG at quality 100 of noise too. 2× + 64 KB is
            // far beyond any encoder's worst case and far below what damage usually produces.
            long maxBytes = (2L * level.TileBytes) + (64 << 10);
            for (int t = 0; t < level.TileCount; t++)
            {
                long offset = level.TileOffsets[t], count = level.TileByteCounts[t];
                string? problem = count <= 0 ? "is empty"
                    : count > maxBytes ? Invariant($"claims {count} bytes (a {level.TileWidth}x{level.TileHeight} tile needs at most {maxBytes})")
                    : offset < file.Header.Length || offset > file.Length - count
                        ? Invariant($"({count} bytes at {offset}) is outside the file ({file.Length} bytes); the file is truncated or damaged")
                    : null;
                if (problem is not null)
                {
                    problems.Add(Invariant($"level {level.Index} tile {t} {problem}"));
                }
            }
        }

        return problems;
    }

    private static ProblemList DecodeAll(IByteSource output, List<OutputLevel> levels, int threads, CancellationToken ct)
    {
        // Tiles are numbered across levels (level 0's first); no per-tile list, a damaged head may claim millions.
        long total = levels.Sum(l => (long)l.TileCount);
        int workers = (int)Math.Max(1, Math.Min(threads > 0 ? threads : Environment.ProcessorCount, (total / 64) + 1));
        var problems = new ProblemList[workers];
        // Contiguous chunks: each worker reads its part of the file front to back, through its own decoder.
        long chunk = (total + workers - 1) / workers;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = ct }, w =>
        {
            problems[w] = new ProblemList();
            using var decoder = new TileDecoder(output);
            var buffer = new byte[levels.Max(l => l.TileBytes)];
            for (long i = w * chunk; i < Math.Min(total, (w + 1) * chunk); i++)
            {
                ct.ThrowIfCancellationRequested();
                var (level, tile) = Locate(levels, i);
                if (decoder.Decode(level, tile, buffer) is { } error)
                {
                    problems[w].Add(Invariant($"level {level.Index} tile {tile} does not decode: {error}"));
                }
            }
        });
        var all = new ProblemList();
        foreach (var p in problems)
        {
            all.AddRange(p);
        }

        return all;
    }

    private static (OutputLevel Level, int Tile) Locate(List<OutputLevel> levels, long index)
    {
        foreach (var level in levels)
        {
            if (index < level.TileCount)
            {
                return (level, (int)index);
            }

            index -= level.TileCount;
        }

        throw new ArgumentOutOfRangeException(nameof(index));
    }

    internal static string Summarize(ProblemList problems) => problems.ToString();

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
