using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using static BtfConvert.Core.Verification.OutputVerifier;

namespace BtfConvert.Core.Verification;

/// <summary>
/// Compares tiles of the output with the source: level-0 tiles with the same pixels of the source, level-1 tiles
/// with the source's exact 2×2 box average ((a+b+c+d+2)/4, what the converter and vips compute). Lossless outputs
/// must match exactly; JPEG outputs must reach a PSNR.
/// </summary>
internal sealed class SourceComparer(IByteSource output, IByteSource source, SourceImage main, VerifyOptions options)
{
    // Source rows of a window are ~width×spp bytes apart; 8 MiB windows serve a whole 256-row window in a few reads.
    private readonly CachedReader _reader = new(source, 8 << 20);

    public async Task<(int Windows, double? LowestPsnr)> CompareAsync(
        IReadOnlyList<OutputLevel> levels, List<VerificationCheck> checks, CancellationToken ct)
    {
        using var decoder = new TileDecoder(output);
        var random = new Random(options.Seed);
        double? lowest = null;
        int windows = 0;
        for (int levelIndex = 0; levelIndex < Math.Min(2, levels.Count); levelIndex++)
        {
            var level = levels[levelIndex];
            var problems = new ProblemList();
            double levelLowest = double.PositiveInfinity;
            var tile = new byte[level.TileBytes];
            foreach (int t in PickTiles(level, random))
            {
                ct.ThrowIfCancellationRequested();
                if (decoder.Decode(level, t, tile) is { } error)
                {
                    problems.Add(Invariant($"tile {t} does not decode: {error}"));
                    continue;
                }

                var (expected, x0, y0, w, h) = await ExpectedAsync(level, t, ct).ConfigureAwait(false);
                var (differing, maxDiff, psnr) = Compare(level, tile, expected, w, h);
                windows++;
                string where = Invariant($"window {w}x{h} at ({x0},{y0})");
                if (level.Lossless)
                {
                    if (differing > 0)
                    {
                        problems.Add(Invariant($"{where}: {differing} of {w * h * level.SamplesPerPixel} samples differ (by up to {maxDiff})"));
                    }
                }
                else
                {
                    levelLowest = Math.Min(levelLowest, psnr);
                    lowest = Math.Min(lowest ?? double.PositiveInfinity, psnr);
                    if (psnr < options.MinPsnr)
                    {
                        problems.Add(Invariant($"{where}: PSNR {psnr:0.0} dB is below {options.MinPsnr:0.#} dB"));
                    }
                }
            }

            string name = levelIndex == 0 ? "level0-vs-source" : "level1-vs-source";
            string what = levelIndex == 0 ? "source pixels" : "2x2 box average of the source";
            checks.Add(problems.Count == 0
                ? new(name, true, level.Lossless ? Invariant($"{what}: windows identical") : Invariant($"{what}: lowest window PSNR {levelLowest:0.0} dB (≥ {options.MinPsnr:0.#})"))
                : new(name, false, Invariant($"{what}: ") + Summarize(problems)));
        }

        return (windows, lowest);
    }

    /// <summary>The bottom-right tile (edges are where layouts go wrong), then distinct random ones.</summary>
    private IEnumerable<int> PickTiles(OutputLevel level, Random random)
    {
        int n = Math.Min(Math.Max(1, options.Samples), level.TileCount);
        var picked = new HashSet<int> { level.TileCount - 1 };
        while (picked.Count < n)
        {
            picked.Add(random.Next(level.TileCount));
        }

        return picked;
    }

    private async Task<(byte[] Pixels, int X, int Y, int Width, int Height)> ExpectedAsync(OutputLevel level, int tile, CancellationToken ct)
    {
        int spp = level.SamplesPerPixel;
        int x0 = tile % level.TilesAcross * level.TileWidth, y0 = tile / level.TilesAcross * level.TileHeight;
        int w = Math.Min(level.TileWidth, level.Width - x0), h = Math.Min(level.TileHeight, level.Height - y0);
        var expected = new byte[w * h * spp];
        if (level.Index == 0)
        {
            for (int r = 0; r < h; r++)
            {
                byte[] row = await ReadUprightAsync(y0 + r, x0, w, ct).ConfigureAwait(false);
                row.CopyTo(expected, r * w * spp);
            }

            return (expected, x0, y0, w, h);
        }

        for (int r = 0; r < h; r++)
        {
            int sy = 2 * (y0 + r);
            byte[] a = await ReadUprightAsync(sy, 2 * x0, 2 * w, ct).ConfigureAwait(false);
            byte[] b = await ReadUprightAsync(sy + 1, 2 * x0, 2 * w, ct).ConfigureAwait(false);
            for (int x = 0; x < w; x++)
            {
                for (int s = 0; s < spp; s++)
                {
                    int i = (2 * x * spp) + s, j = i + spp;
                    expected[(((r * w) + x) * spp) + s] = (byte)((a[i] + a[j] + b[i] + b[j] + 2) >> 2);
                }
            }
        }

        return (expected, x0, y0, w, h);
    }

    /// <summary>
    /// <paramref name="count"/> pixels from column <paramref name="x"/> of row <paramref name="y"/> of the upright
    /// source: what the converter made of an Orientation 2–4 input. Transposed ones (5–8) are only ever converted as
    /// stored, so they are compared as stored.
    /// </summary>
    private async Task<byte[]> ReadUprightAsync(int y, int x, int count, CancellationToken ct)
    {
        int spp = main.SamplesPerPixel;
        var orientation = main.Orientation;
        if (orientation.Transposes)
        {
            orientation = ImageOrientation.Upright;
        }

        int storedX = orientation.StoredColumn(x, count, main.Width);
        long at = main.RowOffset(orientation.StoredRow(y, main.Height)) + ((long)storedX * spp);
        byte[] stored = await _reader.ReadAsync(at, (long)count * spp, ct).ConfigureAwait(false);
        if (!orientation.MirrorsRows)
        {
            return stored;
        }

        var upright = new byte[stored.Length];
        ImageOrientation.Mirror(stored, upright, spp);
        return upright;
    }

    private static (long Differing, int MaxDiff, double Psnr) Compare(OutputLevel level, byte[] tile, byte[] expected, int w, int h)
    {
        int spp = level.SamplesPerPixel;
        long differing = 0, squared = 0;
        int maxDiff = 0;
        for (int r = 0; r < h; r++)
        {
            var actual = tile.AsSpan(r * level.TileWidth * spp, w * spp);
            var want = expected.AsSpan(r * w * spp, w * spp);
            for (int i = 0; i < actual.Length; i++)
            {
                int d = Math.Abs(actual[i] - want[i]);
                if (d != 0)
                {
                    differing++;
                    squared += d * d;
                    maxDiff = Math.Max(maxDiff, d);
                }
            }
        }

        double mse = (double)squared / (w * h * spp);
        double psnr = mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
        return (differing, maxDiff, psnr);
    }
}
