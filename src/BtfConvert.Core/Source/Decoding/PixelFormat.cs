using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Source.Decoding;

/// <summary>How a pixel's colour is coded in the decoded samples.</summary>
internal enum ColorModel
{
    MinIsWhite,
    MinIsBlack,
    Rgb,
    Palette,
    YCbCr,
}

/// <summary>
/// The samples of an image as the decoder hands them over (compression and predictor undone, 16-bit samples in
/// machine byte order, JPEG's YCbCr already turned into RGB by the codec): what <see cref="PixelConverter"/> turns
/// into 8-bit RGB or gray rows. Everything this converter cannot turn into such rows is refused here, with one
/// line naming what.
/// </summary>
internal sealed record PixelFormat(
    ColorModel Model,
    int BitsPerSample,
    int SamplesPerPixel,
    bool Planar,
    int MaxSampleValue,
    byte[]? Palette,
    int SubsamplingH,
    int SubsamplingV,
    YCbCrTransform? YCbCr)
{
    /// <summary>Samples per pixel that carry colour (1 or 3); the rest (alpha, extra channels) are dropped.</summary>
    public int ColorSamples => Model is ColorModel.Rgb or ColorModel.YCbCr ? 3 : 1;

    /// <summary>Samples per pixel of the converted rows: 3 for RGB, palette and YCbCr, 1 for gray.</summary>
    public int OutputSamples => Model is ColorModel.Rgb or ColorModel.YCbCr or ColorModel.Palette ? 3 : 1;

    /// <summary>Uncompressed-style YCbCr with chroma subsampling: samples are stored in H×V blocks.</summary>
    public bool IsSubsampled => Model == ColorModel.YCbCr && (SubsamplingH > 1 || SubsamplingV > 1);

    /// <summary>Image rows per storage row: V for subsampled YCbCr (a row of blocks), else 1.</summary>
    public int RowsPerStorageRow => IsSubsampled ? SubsamplingV : 1;

    /// <summary>Samples stored per pixel in one plane's buffer.</summary>
    private int SamplesInBuffer => Planar ? 1 : SamplesPerPixel;

    /// <summary>Bytes of one storage row (of one plane, when planar) covering <paramref name="width"/> pixels.</summary>
    public long StorageRowBytes(long width) => IsSubsampled
        ? (width + SubsamplingH - 1) / SubsamplingH * BlockBytes
        : ((width * SamplesInBuffer * BitsPerSample) + 7) / 8;

    /// <summary>Storage rows holding <paramref name="rows"/> image rows.</summary>
    public int StorageRows(int rows) => (rows + RowsPerStorageRow - 1) / RowsPerStorageRow;

    private int BlockBytes => (SubsamplingH * SubsamplingV) + 2;

    /// <summary>The plain uncompressed RGB/gray 8-bit chunky layout the fast strip reader copies as it is.</summary>
    public bool IsPlain8Bit => Model is ColorModel.Rgb or ColorModel.MinIsBlack && BitsPerSample == 8 && !Planar
        && SamplesPerPixel == ColorSamples;

    public string Describe() => (Model, BitsPerSample) switch
    {
        (ColorModel.Palette, _) => $"{BitsPerSample}-bit palette",
        (ColorModel.MinIsBlack or ColorModel.MinIsWhite, 1) => "1-bit bilevel" + (Model == ColorModel.MinIsWhite ? " (MinIsWhite)" : string.Empty),
        _ => $"{BitsPerSample}-bit {Model}" + (SamplesPerPixel > ColorSamples ? $" + {SamplesPerPixel - ColorSamples} extra sample(s)" : string.Empty)
            + (IsSubsampled ? $" {SubsamplingH}x{SubsamplingV} subsampled" : string.Empty),
    } + (Planar ? ", planar" : string.Empty);

    /// <summary>Reads and checks the pixel format of <paramref name="dir"/>.</summary>
    /// <exception cref="NotSupportedException">A valid layout this converter does not read (one line naming it).</exception>
    public static PixelFormat FromDirectory(string name, TiffDirectory dir, int spp, int bits, ulong compression)
    {
        ulong sampleFormat = dir.GetUInt64(TiffTag.SampleFormat) ?? 1;
        if (sampleFormat != 1)
        {
            string kind = sampleFormat switch { 2 => "signed integer", 3 => "floating-point", _ => $"sample format {sampleFormat}" };
            throw new NotSupportedException($"{name}: {kind} samples are not supported (unsigned integers only)");
        }

        ulong photometric = dir.GetUInt64(TiffTag.Photometric)
            ?? (spp >= 3 ? TiffConstants.PhotometricRgb : TiffConstants.PhotometricMinIsBlack);
        var model = photometric switch
        {
            TiffConstants.PhotometricMinIsWhite => ColorModel.MinIsWhite,
            TiffConstants.PhotometricMinIsBlack => ColorModel.MinIsBlack,
            TiffConstants.PhotometricRgb => ColorModel.Rgb,
            TiffConstants.PhotometricPalette => ColorModel.Palette,
            // The JPEG codec converts YCbCr to RGB itself (JPEGCOLORMODE=RGB), subsampling included.
            TiffConstants.PhotometricYCbCr => compression == TiffConstants.CompressionJpeg ? ColorModel.Rgb : ColorModel.YCbCr,
            _ => throw new NotSupportedException(
                $"{name}: photometric interpretation {PhotometricName(photometric)} is not supported (gray, RGB, palette or YCbCr only)"),
        };

        int colorSamples = model is ColorModel.Rgb or ColorModel.YCbCr ? 3 : 1;
        if (spp < colorSamples)
        {
            throw new NotSupportedException($"{name}: {PhotometricName(photometric)} with {spp} sample(s) per pixel is not supported");
        }

        bool planar = spp > 1 && (dir.GetUInt64(TiffTag.PlanarConfiguration) ?? TiffConstants.PlanarChunky) == TiffConstants.PlanarSeparate;
        bool bitsOk = bits is 8 or 16 || (bits is 1 or 2 or 4 && !planar && model is not ColorModel.YCbCr);
        if (!bitsOk)
        {
            throw new NotSupportedException(
                $"{name}: {bits}-bit {(planar ? "planar " : string.Empty)}{PhotometricName(photometric)} samples are not supported (8 or 16 bits; 1, 2 or 4 bits for chunky gray, palette or RGB)");
        }

        byte[]? palette = model == ColorModel.Palette ? ReadPalette(name, dir, bits) : null;
        int subH = 1, subV = 1;
        YCbCrTransform? ycbcr = null;
        if (model == ColorModel.YCbCr)
        {
            if (bits != 8)
            {
                throw new NotSupportedException($"{name}: {bits}-bit YCbCr is not supported (8-bit only)");
            }

            var sub = dir[TiffTag.YCbCrSubSampling];
            subH = sub is { IsInteger: true, Count: >= 2 } ? (int)Math.Min(sub.GetUInt64(0), 8) : 2;
            subV = sub is { IsInteger: true, Count: >= 2 } ? (int)Math.Min(sub.GetUInt64(1), 8) : 2;
            if (subH is not (1 or 2 or 4) || subV is not (1 or 2 or 4) || subV > subH || (planar && (subH > 1 || subV > 1)))
            {
                throw new NotSupportedException($"{name}: YCbCr subsampling {subH}x{subV}{(planar ? " with planar data" : string.Empty)} is not supported");
            }

            ycbcr = YCbCrTransform.FromDirectory(dir);
        }

        // 16-bit samples often hold 10-14 significant bits; MaxSampleValue, when a writer states it, is the white point.
        int maxValue = (1 << bits) - 1;
        if (bits == 16 && dir.GetUInt64(TiffTag.MaxSampleValue) is { } stated and > 0 and < 65535)
        {
            maxValue = (int)stated;
        }

        return new PixelFormat(model, bits, spp, planar, maxValue, palette, subH, subV, ycbcr);
    }

    /// <summary>The colour map as 8-bit RGB triplets, one per index.</summary>
    private static byte[] ReadPalette(string name, TiffDirectory dir, int bits)
    {
        if (bits > 8)
        {
            throw new NotSupportedException($"{name}: {bits}-bit palette images are not supported (up to 8 bits)");
        }

        int entries = 1 << bits;
        var map = dir[TiffTag.ColorMap];
        if (map is null || !map.IsInteger || map.Count != (ulong)(3 * entries))
        {
            throw new InvalidDataException($"{name}: a {bits}-bit palette image needs a ColorMap of {3 * entries} values, found {map?.Count ?? 0}");
        }

        // TIFF stores 16-bit colour map entries; old writers put 8-bit values there, which libtiff detects the same way.
        bool eightBit = true;
        for (int i = 0; i < 3 * entries; i++)
        {
            eightBit &= map.GetUInt64(i) < 256;
        }

        var palette = new byte[3 * entries];
        for (int i = 0; i < entries; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                ulong v = map.GetUInt64((c * entries) + i);
                palette[(3 * i) + c] = eightBit ? (byte)v : (byte)(((v * 255) + 32767) / 65535);
            }
        }

        return palette;
    }

    public static string PhotometricName(ulong photometric) => photometric switch
    {
        0 => "MinIsWhite (0)",
        1 => "MinIsBlack (1)",
        2 => "RGB (2)",
        3 => "palette (3)",
        4 => "transparency mask (4)",
        5 => "CMYK/separated (5)",
        6 => "YCbCr (6)",
        8 => "CIELab (8)",
        9 => "ICCLab (9)",
        10 => "ITULab (10)",
        32844 => "LogL (32844)",
        32845 => "LogLuv (32845)",
        _ => photometric.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
