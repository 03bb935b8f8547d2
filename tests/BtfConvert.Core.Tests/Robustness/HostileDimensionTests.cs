using BtfConvert.Core.Conversion;
using BtfConvert.Core.IO;
using BtfConvert.Core.Tiff;
using BtfConvert.Core.Tiff.Writing;

namespace BtfConvert.Core.Tests.Robustness;

/// <summary>
/// Inputs too big for the committed corpus: a header whose width is legal and whose strips really exist, but whose
/// pyramid row bands would not fit in memory. Found by hand while fuzzing: it used to end in an OverflowException
/// (exit 1, "internal error") from the band allocation.
/// </summary>
public sealed class HostileDimensionTests
{
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
        TiffConverter.CheckLevelChainMemory("x", plan, 3);
        Assert.Throws<NotSupportedException>(() => TiffConverter.CheckLevelChainMemory("x", Core.Pyramid.PyramidPlan.Create(400_000, 1000, 256, 256), 3));
    }
}
