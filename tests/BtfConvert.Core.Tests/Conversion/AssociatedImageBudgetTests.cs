using BtfConvert.Core.Conversion;
using BtfConvert.Core.IO;
using BtfConvert.Core.Tiff;
using BtfConvert.Core.Tiff.Writing;

namespace BtfConvert.Core.Tests.Conversion;

public sealed class AssociatedImageBudgetTests
{
    [Fact]
    public async Task Associated_images_beyond_the_total_budget_are_skipped_with_a_warning()
    {
        // A main image and four 2048² RGB extras of 12 MiB each: only two fit in the 32 MiB budget.
        var chain = new List<IfdSpec>();
        var blobs = new List<byte[]>();
        foreach (var (w, h) in new[] { (2100, 2100), (2048, 2048), (2048, 2048), (2048, 2048), (2048, 2048) })
        {
            var pixels = new byte[w * h * 3];
            chain.Add(new IfdSpec()
                .Set(TiffTag.ImageWidth, TiffValue.Long((uint)w))
                .Set(TiffTag.ImageLength, TiffValue.Long((uint)h))
                .Set(TiffTag.BitsPerSample, TiffValue.Short(8, 8, 8))
                .Set(TiffTag.Photometric, TiffValue.Short(TiffConstants.PhotometricRgb))
                .Set(TiffTag.SamplesPerPixel, TiffValue.Short(3))
                .Set(TiffTag.RowsPerStrip, TiffValue.Long((uint)h))
                .Set(TiffTag.StripOffsets, TiffValue.PointerTo(pixels, isIfd: false))
                .Set(TiffTag.StripByteCounts, TiffValue.Long((uint)pixels.Length)));
            blobs.Add(pixels);
        }

        byte[] file = new TiffHeadWriter(true, chain, blobs).Write();
        await using var source = new MemoryByteSource("many-extras.btf", file);
        var info = await SourceInspector.InspectAsync(source, default);

        Assert.Equal((2100, 2100), (info.Main.Width, info.Main.Height));
        Assert.Equal([1, 2], info.AssociatedImages.Select(a => a.SourceDirectoryIndex));
        Assert.True(info.AssociatedImages.Sum(a => (long)a.Pixels.Length) <= SourceInspector.MaxAssociatedBytes);
        Assert.Equal(2, info.Warnings.Count(w => w.Contains("associated images are limited to 32 MiB", StringComparison.Ordinal)));
    }
}
