using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Output;
using BtfConvert.Core.Pyramid;
using BtfConvert.Core.Tests.Support;
using BtfConvert.Core.Tiff;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Output;

/// <summary>The overview levels (at most 4 Mpixel each) are written last, each level one contiguous run.</summary>
public sealed class OverviewLayoutTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void At_the_real_slide_size_levels_5_to_8_are_the_overview_and_their_memory_does_not_grow_with_the_height()
    {
        var plan = PyramidPlan.Create(45056, 40448, 256, 256);
        bool[] overview = OutputLayout.OverviewLevels(plan);
        Assert.Equal([false, false, false, false, false, true, true, true, true], overview);
        Assert.Equal(44, plan.Levels.Where((_, i) => overview[i]).Sum(l => l.TileCount));

        // Level 0 always streams, however small (a 600×400 image is not held back whole).
        Assert.Equal([false, true, true], OutputLayout.OverviewLevels(PyramidPlan.Create(600, 400, 256, 256)));

        // Ten times taller: the same bound on what is held (uncompressed RGB tiles, the worst case).
        foreach (int height in new[] { 40448, 404480 })
        {
            var tall = PyramidPlan.Create(45056, height, 256, 256);
            long held = tall.Levels.Where((_, i) => OutputLayout.OverviewLevels(tall)[i]).Sum(l => (long)l.TileCount * 256 * 256 * 3);
            Assert.InRange(held, 1, 24L << 20);
        }
    }

    [Theory]
    [InlineData(TileCompression.Deflate)]
    [InlineData(TileCompression.Jpeg)]
    public async Task Each_overview_level_is_one_contiguous_run_after_every_other_tile(TileCompression compression)
    {
        // 3000×2000: level 0 (6 Mpixel) streams as its bands fill; levels 1–4 (1500×1000 … 187×125) are the overview.
        var converted = await SampleConversion.RunAsync(_dir, new SampleSpec { Width = 3000, Height = 2000, Seed = 5 },
            new ConversionOptions { Compression = compression, Threads = 2 });
        await using var source = LocalFileSource.Open(converted.Output);
        var file = await TiffFileReader.ReadAsync(new CachedReader(source), default);
        var levels = file.Directories.Where(d => d[TiffTag.TileOffsets] is not null).ToList();
        Assert.Equal(5, levels.Count);

        // Level 0 first (its tiles as its bands filled), then levels 1, 2, … each one run, up to the end of the file.
        var level0 = levels[0][TiffTag.TileOffsets]!.GetUInt64Array().Zip(levels[0][TiffTag.TileByteCounts]!.GetUInt64Array());
        long runEnd = level0.Max(t => (long)(t.First + t.Second));
        for (int level = 1; level < levels.Count; level++)
        {
            var offsets = levels[level][TiffTag.TileOffsets]!.GetUInt64Array().Select(o => (long)o).ToArray();
            var counts = levels[level][TiffTag.TileByteCounts]!.GetUInt64Array().Select(c => (long)c).ToArray();
            long start = runEnd, next = start;
            for (int i = 0; i < offsets.Length; i++)
            {
                if (offsets[i] == next)
                {
                    next += counts[i];
                }
                else
                {
                    // Only a deduplicated tile may be elsewhere: at an earlier copy of the same bytes.
                    Assert.True(offsets[i] < start, $"level {level} tile {i} at {offsets[i]} breaks the run at {next}");
                }
            }

            Assert.True(next > start, $"level {level} has no tile of its own at {start}");
            runEnd = next;
        }

        Assert.Equal(new FileInfo(converted.Output).Length, runEnd);
    }
}
