using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
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

    [Fact]
    public async Task A_thousand_tiny_valid_ifds_give_four_named_associated_images_and_one_warning()
    {
        var chain = new List<IfdSpec>();
        var blobs = new List<byte[]>();
        for (int i = 0; i < 1000; i++)
        {
            int side = i == 0 ? 600 : 4;
            var pixels = new byte[side * side];
            chain.Add(new IfdSpec()
                .Set(TiffTag.ImageWidth, TiffValue.Long((uint)side))
                .Set(TiffTag.ImageLength, TiffValue.Long((uint)side))
                .Set(TiffTag.BitsPerSample, TiffValue.Short(8))
                .Set(TiffTag.Photometric, TiffValue.Short(TiffConstants.PhotometricMinIsBlack))
                .Set(TiffTag.RowsPerStrip, TiffValue.Long((uint)side))
                .Set(TiffTag.StripOffsets, TiffValue.PointerTo(pixels, isIfd: false))
                .Set(TiffTag.StripByteCounts, TiffValue.Long((uint)pixels.Length)));
            if (i == 2)
            {
                chain[^1].Set(TiffTag.ImageDescription, TiffValue.Ascii("Label 12345"));
            }

            blobs.Add(pixels);
        }

        byte[] file = new TiffHeadWriter(false, chain, blobs).Write();
        var info = await SourceInspector.InspectAsync(new MemoryByteSource("many.tif", file), default);

        Assert.Equal(SourceInspector.MaxAssociatedImages, info.AssociatedImages.Count);
        // The source's own word, else thumbnail, else associated + IFD number: what large_image lists them under.
        Assert.Equal(["thumbnail", "label", "associated3", "associated4"], info.AssociatedImages.Select(a => a.Name));
        Assert.All(info.AssociatedImages, a => Assert.StartsWith(a.Name + " (", a.Description, StringComparison.Ordinal));
        Assert.All(info.AssociatedImages, a => Assert.Equal((3, 4 * 4 * 3), (a.SamplesPerPixel, a.Pixels.Length)));
        var warning = Assert.Single(info.Warnings);
        Assert.Contains("995 more IFD(s) skipped", warning, StringComparison.Ordinal);
    }
}
