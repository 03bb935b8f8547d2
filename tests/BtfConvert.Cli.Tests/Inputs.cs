using BtfConvert.Core.Tiff;
using BtfConvert.Core.Tiff.Writing;

namespace BtfConvert.Cli.Tests;

/// <summary>Small inputs for command-line tests (pixel-exact behaviour is tested in Core with the sample generator).</summary>
public static class Inputs
{
    /// <summary>A one-strip RGB TIFF with a gradient.</summary>
    public static void WriteStripTiff(string path, int width, int height, ushort compression = 1)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7 / 3);
        }

        var ifd = new IfdSpec()
            .Set(TiffTag.ImageWidth, TiffValue.Long((uint)width))
            .Set(TiffTag.ImageLength, TiffValue.Long((uint)height))
            .Set(TiffTag.BitsPerSample, TiffValue.Short(8, 8, 8))
            .Set(TiffTag.Compression, TiffValue.Short(compression))
            .Set(TiffTag.Photometric, TiffValue.Short(2))
            .Set(TiffTag.SamplesPerPixel, TiffValue.Short(3))
            .Set(TiffTag.RowsPerStrip, TiffValue.Long((uint)height))
            .Set(TiffTag.StripOffsets, TiffValue.PointerTo(pixels, isIfd: false))
            .Set(TiffTag.StripByteCounts, TiffValue.Long((uint)pixels.Length));
        File.WriteAllBytes(path, new TiffHeadWriter(true, [ifd], [pixels]).Write());
    }
}
