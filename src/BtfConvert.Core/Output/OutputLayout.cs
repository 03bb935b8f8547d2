using System.Globalization;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.Pyramid;
using BtfConvert.Core.Record;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tiff;
using BtfConvert.Core.Tiff.Writing;

namespace BtfConvert.Core.Output;

/// <summary>
/// The directories of the output: one tiled IFD per level (largest first, NewSubfileType=1 on reduced levels), then
/// the associated images as small stripped IFDs with NewSubfileType 0 and a description saying what they are. Not 1
/// (reduced resolution): GDAL takes every reduced-resolution IFD of the same bands for an overview, listed the 27×25
/// image as the slide's smallest one and returned it for reads below the last level; with 0 it is a subdataset.
/// OpenSlide's generic-tiff reader takes only tiled IFDs as levels, tifffile makes it a series of its own, and
/// large_image names it by its description (it looks at NewSubfileType only for an IFD without one: 1 = label,
/// 9 = macro). Each tile's offset and byte count are recorded with <see cref="RecordTile"/> while
/// the tiles are written; the head serializes them at the end.
/// </summary>
internal sealed class OutputLayout
{
    private readonly long[][] _tileOffsets;
    private readonly long[][] _tileByteCounts;

    /// <summary>
    /// Reduced levels of at most this many pixels are held (encoded) in memory and written together after all other tiles,
    /// each level in one contiguous run: a viewer's first screens and a remote reader's range requests then find
    /// the overview in one place instead of scattered through the file as its bands filled. At the real slide size
    /// (45056×40448) that is levels 5–8 (1408×1264 down to 176×158, 44 tiles, ≈1 MB as JPEG); the worst case,
    /// uncompressed RGB, is 4 Mpixel × 3 × 4/3 ≈ 16 MB, whatever the image's size. Level 0 always streams as its
    /// bands fill (a small image is not held back whole).
    /// </summary>
    public const long OverviewMaxPixels = 4L << 20;

    private OutputLayout(TiffHeadWriter head, long[][] offsets, long[][] counts, bool bigTiff, bool[] writtenLast)
    {
        Head = head;
        _tileOffsets = offsets;
        _tileByteCounts = counts;
        BigTiff = bigTiff;
        _writtenLast = writtenLast;
    }

    private readonly bool[] _writtenLast;

    public TiffHeadWriter Head { get; }
    public bool BigTiff { get; }

    public int LevelCount => _tileOffsets.Length;

    public int TileCount(int level) => _tileOffsets[level].Length;

    /// <summary>True for the overview levels (<see cref="OverviewMaxPixels"/>), whose tiles go to the end together.</summary>
    public bool IsWrittenLast(int level) => _writtenLast[level];

    /// <summary>Which levels of <paramref name="plan"/> are overview levels (<see cref="OverviewMaxPixels"/>).</summary>
    public static bool[] OverviewLevels(PyramidPlan plan, long overviewMaxPixels = OverviewMaxPixels) =>
        plan.Levels.Select((l, i) => i > 0 && (long)l.Width * l.Height <= overviewMaxPixels).ToArray();

    /// <summary>Where tile <paramref name="tileIndex"/> of <paramref name="level"/> landed in the output.</summary>
    public void RecordTile(int level, int tileIndex, long offset, long byteCount)
    {
        _tileByteCounts[level][tileIndex] = byteCount;
        _tileOffsets[level][tileIndex] = offset;
    }

    /// <param name="record">The output record (<see cref="OutputRecord"/>), kept as XMP in level 0; none if null or empty.</param>
    public static OutputLayout Create(
        SourceInfo source, PyramidPlan plan, ITileEncoderFactory encoder, bool bigTiff, double? micronsPerPixel, string description,
        IReadOnlyDictionary<string, string>? record = null, long overviewMaxPixels = OverviewMaxPixels)
    {
        var main = source.Main.Directory;
        var offsets = new long[plan.Levels.Count][];
        var counts = new long[plan.Levels.Count][];
        var chain = new List<IfdSpec>();
        for (int i = 0; i < plan.Levels.Count; i++)
        {
            offsets[i] = new long[plan.Levels[i].TileCount];
            counts[i] = new long[plan.Levels[i].TileCount];
            var ifd = LevelIfd(plan, i, encoder, offsets[i], counts[i]);
            CopyProvenance(ifd, main);
            if (micronsPerPixel is { } mpp)
            {
                SetResolution(ifd, mpp, plan.Levels[i], plan.Levels[0]);
            }

            if (i == 0)
            {
                ifd.Set(TiffTag.ImageDescription, TiffValue.Ascii(description));
                if (record is { Count: > 0 })
                {
                    byte[] xmp = OutputRecordXmp.Write(record);
                    ifd.Set(TiffTag.XmlPacket, TiffValue.Raw(TiffFieldType.Byte, xmp.Length, xmp));
                }

                if (main.Exif is { } exif && ExifDirectoryCopy.Create(exif) is { } exifSpec)
                {
                    ifd.SetExif(exifSpec);
                }
            }

            chain.Add(ifd);
        }

        foreach (var image in source.AssociatedImages)
        {
            var ifd = AssociatedImageIfd(image);
            CopyProvenance(ifd, main);
            chain.Add(ifd);
        }

        var blobs = source.AssociatedImages.Select(image => image.Pixels).ToList();
        return new OutputLayout(new TiffHeadWriter(bigTiff, chain, blobs), offsets, counts, bigTiff, OverviewLevels(plan, overviewMaxPixels));
    }

    private static IfdSpec LevelIfd(PyramidPlan plan, int index, ITileEncoderFactory encoder, long[] offsets, long[] counts)
    {
        var level = plan.Levels[index];
        var ifd = new IfdSpec()
            .Set(TiffTag.NewSubfileType, TiffValue.Long(index == 0 ? 0 : TiffConstants.SubfileReducedImage))
            .Set(TiffTag.ImageWidth, TiffValue.Long((uint)level.Width))
            .Set(TiffTag.ImageLength, TiffValue.Long((uint)level.Height))
            .Set(TiffTag.TileWidth, TiffValue.Long((uint)plan.TileWidth))
            .Set(TiffTag.TileLength, TiffValue.Long((uint)plan.TileHeight))
            .Set(TiffTag.TileOffsets, TiffValue.Offsets(offsets))
            .Set(TiffTag.TileByteCounts, TiffValue.ByteCounts(counts));
        SetPixelFormat(ifd, encoder.Format.SamplesPerPixel, encoder.CompressionTag, encoder.Photometric);
        if (encoder.Predictor is { } predictor)
        {
            ifd.Set(TiffTag.Predictor, TiffValue.Short(predictor));
        }

        if (encoder.YCbCrSubsampling is { } sub)
        {
            ifd.Set(TiffTag.YCbCrSubSampling, TiffValue.Short(sub.Horizontal, sub.Vertical));
            ifd.Set(TiffTag.ReferenceBlackWhite, TiffValue.Rational((0, 1), (255, 1), (128, 1), (255, 1), (128, 1), (255, 1)));
        }

        if (encoder.JpegTables is { } tables)
        {
            ifd.Set(TiffTag.JpegTables, TiffValue.Raw(TiffFieldType.Undefined, tables.Length, tables));
        }

        return ifd;
    }

    private static void SetResolution(IfdSpec ifd, double mpp, LevelSize level, LevelSize level0)
    {
        // Pixels per centimetre, scaled for the level (level-0 width / level width is not exactly 2^i).
        ifd.Set(TiffTag.XResolution, TiffValue.Rational(ToRational(1e4 / mpp * level.Width / level0.Width)))
            .Set(TiffTag.YResolution, TiffValue.Rational(ToRational(1e4 / mpp * level.Height / level0.Height)))
            .Set(TiffTag.ResolutionUnit, TiffValue.Short(TiffConstants.ResolutionUnitCentimeter));
    }

    private static IfdSpec AssociatedImageIfd(AssociatedImage image)
    {
        var ifd = new IfdSpec()
            .Set(TiffTag.NewSubfileType, TiffValue.Long(0)) // a separate image, not a level (see the class summary)
            .Set(TiffTag.ImageWidth, TiffValue.Long((uint)image.Width))
            .Set(TiffTag.ImageLength, TiffValue.Long((uint)image.Height))
            .Set(TiffTag.RowsPerStrip, TiffValue.Long((uint)image.Height))
            .Set(TiffTag.StripOffsets, TiffValue.PointerTo(image.Pixels, isIfd: false))
            .Set(TiffTag.StripByteCounts, TiffValue.Long((uint)image.Pixels.Length))
            .Set(TiffTag.ImageDescription, TiffValue.Ascii(image.Description));
        SetPixelFormat(ifd, image.SamplesPerPixel, TiffConstants.CompressionNone,
            image.SamplesPerPixel == 1 ? TiffConstants.PhotometricMinIsBlack : TiffConstants.PhotometricRgb);
        return ifd;
    }

    private static void SetPixelFormat(IfdSpec ifd, int spp, ushort compression, ushort photometric)
    {
        ifd.Set(TiffTag.BitsPerSample, TiffValue.Short(Enumerable.Repeat((ushort)8, spp).ToArray()))
            .Set(TiffTag.Compression, TiffValue.Short(compression))
            .Set(TiffTag.Photometric, TiffValue.Short(photometric))
            .Set(TiffTag.SamplesPerPixel, TiffValue.Short((ushort)spp))
            .Set(TiffTag.PlanarConfiguration, TiffValue.Short(TiffConstants.PlanarChunky));
    }

    private static void CopyProvenance(IfdSpec ifd, TiffDirectory source)
    {
        foreach (ushort tag in new[] { TiffTag.Make, TiffTag.Model, TiffTag.Artist, TiffTag.DateTime })
        {
            if (source.GetString(tag) is { Length: > 0 } text)
            {
                ifd.Set(tag, TiffValue.Ascii(text));
            }
        }

        ifd.Set(TiffTag.Software, TiffValue.Ascii(ProductInfo.NameAndVersion));
    }

    /// <summary>A rational close to <paramref name="value"/> with as much precision as 32 bits allow.</summary>
    internal static (uint, uint) ToRational(double value)
    {
        uint denominator = 1;
        while (denominator < 1_000_000 && value * denominator * 10 < uint.MaxValue)
        {
            denominator *= 10;
        }

        return ((uint)Math.Round(value * denominator), denominator);
    }

    /// <summary>The ImageDescription of level 0: what the file is and how it was made.</summary>
    /// <param name="objective">The objective power, written as <c>AppMag = N</c> (<see cref="Metadata.ObjectivePower"/>).</param>
    public static string Describe(SourceInfo source, PyramidPlan plan, ITileEncoderFactory encoder, double? mpp, string mppSource, double? objective = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var main = source.Main;
        string make = string.Join(' ', new[] { main.Directory.GetString(TiffTag.Make), main.Directory.GetString(TiffTag.Model), main.Directory.GetString(TiffTag.Artist) }
            .Where(s => !string.IsNullOrEmpty(s)));
        string sizes = string.Join(",", plan.Levels.Select(l => string.Create(inv, $"{l.Width}x{l.Height}")));
        var parts = new List<string>
        {
            $"Web-optimized pyramidal TIFF made by {ProductInfo.NameAndVersion}",
            $"source={Path.GetFileName(source.File.Name.TrimEnd('/'))}",
            string.Create(inv, $"source-size={main.Width}x{main.Height}"),
        };
        if (make.Length > 0)
        {
            parts.Add($"scanner={make}");
        }

        parts.Add(string.Create(inv, $"levels={plan.Levels.Count}"));
        parts.Add($"level-sizes={sizes}");
        parts.Add(string.Create(inv, $"tile={plan.TileWidth}x{plan.TileHeight}"));
        parts.Add($"compression={encoder.Name}");
        if (mpp is { } m)
        {
            parts.Add(string.Create(inv, $"mpp={m:0.######}"));
            parts.Add($"mpp-source={mppSource}");
        }

        if (objective is { } power)
        {
            parts.Add(Metadata.ObjectivePower.ToDescriptionPart(power));
        }

        if (source.AssociatedImages.Count > 0)
        {
            parts.Add(string.Create(inv, $"associated-images={source.AssociatedImages.Count}"));
        }

        return string.Join("|", parts);
    }

}
