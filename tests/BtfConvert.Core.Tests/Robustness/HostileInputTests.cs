using BtfConvert.Core.Conversion;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tiff;
using BtfConvert.Core.Tiff.Writing;

namespace BtfConvert.Core.Tests.Robustness;

/// <summary>
/// Inputs too big for the committed corpus (and for the fuzzer's small mutants), found by reviewing what the
/// checks bound: each single value is checked against the file size, but not every total was.
/// </summary>
[Collection(nameof(FuzzCollection))]
public sealed class HostileInputTests
{
    /// <summary>A legal width whose strips really exist, but whose row bands cannot fit: it used to end in an
    /// OverflowException from the band allocation (exit 1, "internal error").</summary>
    [Fact]
    public async Task A_16M_pixel_wide_image_is_refused_as_unsupported_before_any_output_exists()
    {
        const int width = 1 << 24, height = 2;
        var pixels = new byte[width * height];
        var ifd = new IfdSpec()
            .Set(TiffTag.ImageWidth, TiffValue.Long(width))
            .Set(TiffTag.ImageLength, TiffValue.Long(height))
            .Set(TiffTag.BitsPerSample, TiffValue.Short(8))
            .Set(TiffTag.Photometric, TiffValue.Short(1))
            .Set(TiffTag.RowsPerStrip, TiffValue.Long(height))
            .Set(TiffTag.StripOffsets, TiffValue.PointerTo(pixels, isIfd: false))
            .Set(TiffTag.StripByteCounts, TiffValue.Long((uint)pixels.Length));
        var source = new MemoryByteSource("wide.tif", new TiffHeadWriter(false, [ifd], [pixels]).Write());
        var info = await SourceInspector.InspectAsync(source, CancellationToken.None);
        var sink = new MemoryByteSink();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = await Assert.ThrowsAsync<NotSupportedException>(() =>
            TiffConverter.ConvertAsync(info, source, sink, new ConversionOptions(), null, CancellationToken.None));
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64 << 20);
        Assert.StartsWith("wide.tif: the image is 16777216 pixels wide", e.Message, StringComparison.Ordinal);
        Assert.Null(sink.Committed);
        Assert.Equal(0, sink.Position); // never opened
    }

    [Fact]
    public void A_real_slide_width_is_well_within_the_limit()
    {
        var plan = Core.Pyramid.PyramidPlan.Create(45048, 40466, 256, 256);
        ConversionPlan.CheckLevelChainMemory("x", plan, 3);
        Assert.Throws<NotSupportedException>(() => ConversionPlan.CheckLevelChainMemory("x", Core.Pyramid.PyramidPlan.Create(400_000, 1000, 256, 256), 3));
    }

    /// <summary>
    /// 1000 IFDs whose one tag each points at the same 1 MiB region: every value is inside the file, but the walk
    /// used to retain 1000 copies (1 GB from a 1 MB file). The total is now capped.
    /// </summary>
    [Fact]
    public async Task IFDs_sharing_one_large_value_cannot_make_the_walk_retain_gigabytes()
    {
        const int region = 1 << 20, ifds = 1000, ifdLength = 2 + 12 + 4;
        var file = new byte[8 + region + (ifds * ifdLength)];
        "II"u8.CopyTo(file);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(2), 42);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), 8 + region);
        for (int i = 0; i < ifds; i++)
        {
            var ifd = file.AsSpan(8 + region + (i * ifdLength));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(ifd, 1);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(ifd[2..], 65000);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(ifd[4..], 1); // BYTE
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(ifd[6..], region);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(ifd[10..], 8);
            uint next = i == ifds - 1 ? 0 : (uint)(8 + region + ((i + 1) * ifdLength));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(ifd[14..], next);
        }

        long before = GC.GetTotalAllocatedBytes(precise: true);
        // Past IFD0 the excess ends the chain with a warning (libtiff-like leniency); the walk still stops at the cap.
        var walked = await TiffFileReader.ReadAsync(new CachedReader(new MemoryByteSource("shared.tif", file)), CancellationToken.None);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Contains(walked.Warnings, w => w.Contains("the IFDs hold more than 128 MiB of tag values", StringComparison.Ordinal));
        Assert.InRange(walked.Directories.Count, 1, 128);
        Assert.True(allocated < 200L << 20, $"allocated {allocated:N0} bytes");
    }
}
