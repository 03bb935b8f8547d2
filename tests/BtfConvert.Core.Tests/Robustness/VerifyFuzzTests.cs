using System.Globalization;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Core.Verification;
using BtfConvert.Samples;
using BtfConvert.Samples.Malformed;
using FsCheck;
using FsCheck.Fluent;

namespace BtfConvert.Core.Tests.Robustness;

/// <summary>
/// The verifier reads damaged files by definition: whatever bytes of an output are changed, it must return a
/// report (never throw, never hang); and for an uncompressed output compared tile by tile with its source, any
/// changed byte of a level-0 or level-1 tile must fail verification.
/// </summary>
[Collection(nameof(FuzzCollection))]
public sealed class VerifyFuzzTests
{
    private static readonly SampleSpec Spec = new() { Width = 200, Height = 150, RowsPerStrip = 16, Seed = 21, Olympus = false };
    private static readonly Lazy<byte[]> Source = new(() =>
    {
        using var s = new MemoryStream();
        BtfSampleWriter.Write(s, Spec);
        return s.ToArray();
    });

    private static readonly Dictionary<TileCompression, byte[]> Outputs = [];

    private static byte[] Output(TileCompression compression)
    {
        lock (Outputs)
        {
            if (!Outputs.TryGetValue(compression, out var bytes))
            {
                var source = new MemoryByteSource("in.btf", Source.Value);
                var info = SourceInspector.InspectAsync(source, CancellationToken.None).GetAwaiter().GetResult();
                var sink = new MemoryByteSink("out.tiff");
                TiffConverter.ConvertAsync(info, source, sink, new ConversionOptions { TileSize = 64, Compression = compression, Threads = 1 },
                    null, CancellationToken.None).GetAwaiter().GetResult();
                Outputs[compression] = bytes = sink.Committed!;
            }

            return bytes;
        }
    }

    private static VerificationReport Verify(byte[] output, bool withSource, int samples = 4)
    {
        using var budget = new CancellationTokenSource(FuzzHarness.Budget);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var report = OutputVerifier.VerifyAsync(new MemoryByteSource("out.tiff", output),
            withSource ? new MemoryByteSource("in.btf", Source.Value) : null, new VerifyOptions(samples, Threads: 1), budget.Token)
            .GetAwaiter().GetResult();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < FuzzHarness.AllocationBound, $"verify allocated {allocated:N0} bytes");
        return report;
    }

    [Fact]
    public void Unchanged_outputs_pass()
    {
        foreach (var c in new[] { TileCompression.None, TileCompression.Deflate, TileCompression.Jpeg, TileCompression.Zstd, TileCompression.Lzw })
        {
            var report = Verify(Output(c), withSource: true);
            Assert.True(report.Passed, $"{c}: {report.FirstFailure}");
        }
    }

    [Fact]
    public void A_damaged_count_in_a_tag_the_levels_do_not_need_fails_the_structure_check_without_allocating_it()
    {
        // Found by the fuzzing below: the top byte of Software's count (IFD0's tenth entry) set to 3 claims a
        // 50 M-character string; the lenient reader only warns, and LibTiff.NET then allocated 400 MB.
        var bytes = (byte[])Output(TileCompression.None).Clone();
        bytes[125] = 3;
        var report = Verify(bytes, withSource: false);
        Assert.False(report.Passed);
        Assert.Equal("structure", report.FirstFailure!.Name);
        Assert.Contains("ignored", report.FirstFailure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_damage_gives_a_report_never_an_exception()
    {
        var compressions = new[] { TileCompression.None, TileCompression.Deflate, TileCompression.Jpeg, TileCompression.Zstd, TileCompression.Lzw };
        var gen =
            from c in Gen.Elements(compressions)
            from edits in Gen.ArrayOf(
                from position in Gen.Frequency((3, Gen.Choose(0, 4000)), (2, Gen.Choose(0, int.MaxValue)))
                from value in Gen.Choose(0, 255)
                select (position, (byte)value), 3)
            from truncate in Gen.Frequency((5, Gen.Constant(-1)), (1, Gen.Choose(0, int.MaxValue)))
            from withSource in Gen.Elements(true, false)
            select (c, edits, truncate, withSource);
        var property = Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var bytes = (byte[])Output(t.c).Clone();
            foreach (var (position, value) in t.edits)
            {
                bytes[position % bytes.Length] = value;
            }

            if (t.truncate >= 0)
            {
                bytes = bytes[..(t.truncate % bytes.Length)];
            }

            try
            {
                _ = Verify(bytes, t.withSource);
            }
            catch (Exception e) when (e is not FuzzFailure)
            {
                throw new FuzzFailure($"{t.c} edits [{string.Join(", ", t.edits)}] truncate {t.truncate}: {e.GetType().Name}: {e.Message}");
            }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Math.Max(100, FuzzTests.Cases / 4)).WithQuietOnSuccess(true), property);
    }

    [Fact]
    public void Any_changed_byte_of_an_uncompressed_level_0_or_1_tile_fails_against_the_source()
    {
        var output = Output(TileCompression.None);
        var p = new TiffPatcher(output);
        var tiles = new List<(long Offset, long Count)>();
        for (int level = 0; level < 2; level++)
        {
            long ifd = p.Ifd(level);
            long offsets = p.Entry(ifd, 324), counts = p.Entry(ifd, 325);
            for (int t = 0; t < (int)p.CountOf(offsets); t++)
            {
                tiles.Add(((long)p.GetValue(offsets, t), (long)p.GetValue(counts, t)));
            }
        }

        var gen =
            from tile in Gen.Choose(0, tiles.Count - 1)
            from at in Gen.Choose(0, int.MaxValue)
            from delta in Gen.Choose(1, 255)
            select (tile, at, delta);
        var property = Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (offset, count) = tiles[t.tile];
            var bytes = (byte[])output.Clone();
            long position = offset + (t.at % count);
            bytes[position] = (byte)(bytes[position] + t.delta);
            var report = Verify(bytes, withSource: true, samples: 1000);
            if (report.Passed)
            {
                // Padding of edge tiles (beyond the image) is not image content; a change there is harmless.
                bool padding = IsEdgePadding(t.tile, position - offset);
                if (!padding)
                {
                    throw new FuzzFailure(string.Create(CultureInfo.InvariantCulture, $"byte {position} (tile {t.tile}) changed but verification passed"));
                }
            }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Math.Max(60, FuzzTests.Cases / 8)).WithQuietOnSuccess(true), property);
    }

    /// <summary>True if byte <paramref name="index"/> of tile <paramref name="tile"/> (levels 0 and 1 of 200×150, 64² tiles) lies outside the image.</summary>
    private static bool IsEdgePadding(int tile, long index)
    {
        var (width, height, t) = tile < 12 ? (200, 150, tile) : (100, 75, tile - 12);
        int across = (width + 63) / 64;
        int x = (t % across * 64) + (int)(index / 3 % 64), y = (t / across * 64) + (int)(index / 3 / 64);
        return x >= width || y >= height;
    }
}
