using BtfConvert.Core.Encoding;
using BtfConvert.Core.Metadata;
using BtfConvert.Core.Output;
using BtfConvert.Core.Pyramid;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Conversion;

/// <summary>
/// Everything decided about one conversion before a pixel is read: how rows are turned upright, the levels, the
/// encoder, the pixel size and the output's layout (its head, BigTIFF or not, its worst-case size). Built once per
/// conversion by <see cref="TiffConverter"/>, and by <c>btfconvert info</c>, which so reports the very pyramid a
/// conversion with the same options writes.
/// </summary>
public sealed class ConversionPlan
{
    /// <summary>Outputs whose worst-case size stays below this are written as classic TIFF in auto mode.</summary>
    public const long ClassicTiffLimit = (4L << 30) - (64L << 20);

    /// <summary>
    /// Most memory the level chain's row bands may take. Memory grows with the width (two tile-height bands per
    /// level: one filling, one whose tiles are being encoded in place), never the height; a real 45,048-pixel-wide
    /// slide needs ~140 MB with 256-pixel tiles. A damaged or hostile header with a huge width (and a file just big
    /// enough to hold one such row) must be refused here, before any output exists, not fail with an out-of-memory
    /// or overflow deep inside the pyramid.
    /// </summary>
    public const long MaxLevelChainBytes = 512L << 20;

    private ConversionPlan(SourceInfo source, ConversionOptions options, ImageOrientation orientation, PyramidPlan pyramid,
        ITileEncoderFactory encoder, double? micronsPerPixel, string pixelSizeSource, OutputLayout layout, long worstCaseBytes,
        (double? Power, string Source) objective)
    {
        ObjectivePower = objective.Power;
        ObjectivePowerSource = objective.Source;
        Source = source;
        Options = options;
        Orientation = orientation;
        Pyramid = pyramid;
        Encoder = encoder;
        MicronsPerPixel = micronsPerPixel;
        PixelSizeSource = pixelSizeSource;
        Layout = layout;
        WorstCaseBytes = worstCaseBytes;
    }

    public SourceInfo Source { get; }
    public ConversionOptions Options { get; }

    /// <summary>How the rows are turned upright: the image's orientation, or upright when it is converted as stored.</summary>
    public ImageOrientation Orientation { get; }

    public PyramidPlan Pyramid { get; }

    /// <summary>
    /// Pixel size in µm: --mpp ("option"), the Olympus SIS calibration ("olympus-sis"), then the main image's
    /// X/YResolution as OpenSlide 4 reads them ("tiff-resolution", <see cref="TiffResolution"/>: how an output
    /// converted again keeps its pixel size); null ("none") when unknown.
    /// </summary>
    public double? MicronsPerPixel { get; }

    /// <summary>Where <see cref="MicronsPerPixel"/> comes from: "option", "olympus-sis", "tiff-resolution" or "none".</summary>
    public string PixelSizeSource { get; }

    /// <summary>
    /// The objective power, written into the output as <c>AppMag = N</c> (<see cref="Metadata.ObjectivePower"/>): the
    /// Olympus SIS block's, else an <c>AppMag = N</c> part of the main image's description (a btfconvert output, an SVS).
    /// </summary>
    public double? ObjectivePower { get; }

    /// <summary>Where <see cref="ObjectivePower"/> comes from: "olympus-sis", "image-description" or "none".</summary>
    public string ObjectivePowerSource { get; }

    public string EncoderName => Encoder.Name;
    public bool BigTiff => Layout.BigTiff;

    internal ITileEncoderFactory Encoder { get; }
    internal OutputLayout Layout { get; }

    /// <summary>An upper bound of the output size (BigTIFF choice, S3 part sizes): every tile at its worst case, plus the head.</summary>
    internal long WorstCaseBytes { get; }

    /// <param name="record">What the output records about itself (<see cref="Record.OutputRecord"/>), embedded in its head.</param>
    /// <exception cref="NotSupportedException">An image too wide for the memory budget.</exception>
    public static ConversionPlan Create(SourceInfo source, ConversionOptions options, IReadOnlyDictionary<string, string>? record = null)
    {
        options.Validate();
        var image = source.Main;
        var orientation = options.IgnoreOrientation ? ImageOrientation.Upright : image.Orientation;
        var pyramid = PyramidPlan.Create(image.Width, image.Height, options.TileSize, options.TileSize);
        CheckLevelChainMemory(source.File.Name, pyramid, image.SamplesPerPixel);
        var format = new TileFormat(options.TileSize, options.TileSize, image.SamplesPerPixel);
        var encoder = TileEncoderFactories.Create(options.Compression, format, options.Quality, options.JpegEncoder);
        var (mpp, mppSource) = ResolvePixelSize(source, options);
        var objective = ResolveObjective(source);
        string description = OutputLayout.Describe(source, pyramid, encoder, mpp, mppSource, objective.Power);
        var (layout, worstCase) = PlanLayout(source, pyramid, encoder, options.BigTiff, mpp, description, record);
        return new ConversionPlan(source, options, orientation, pyramid, encoder, mpp, mppSource, layout, worstCase, objective);
    }

    internal static void CheckLevelChainMemory(string name, PyramidPlan plan, int samplesPerPixel)
    {
        long bytes = PyramidLevel.BandCount * plan.Levels.Sum(l => (long)l.Width * samplesPerPixel * plan.TileHeight);
        if (bytes > MaxLevelChainBytes)
        {
            // The levels' widths add up to about twice level 0's.
            long maxWidth = MaxLevelChainBytes / (2L * PyramidLevel.BandCount * samplesPerPixel * plan.TileHeight);
            throw new NotSupportedException(
                $"{name}: the image is {plan.Levels[0].Width} pixels wide; its pyramid would need {bytes >> 20} MiB of row buffers (at most {MaxLevelChainBytes >> 20} MiB: up to about {maxWidth} pixels wide with {plan.TileHeight}-pixel tiles)");
        }
    }

    private static (double? Mpp, string Source) ResolvePixelSize(SourceInfo source, ConversionOptions options)
    {
        if (options.MicronsPerPixel is { } mpp)
        {
            return (mpp, "option");
        }

        if (source.Sis is { } sis)
        {
            return (sis.MicronsPerPixelX, "olympus-sis");
        }

        if (TiffResolution.Read(source.Main.Directory).MicronsPerPixel is { } fromTags)
        {
            return (fromTags, "tiff-resolution");
        }

        return (null, "none");
    }

    private static (double? Power, string Source) ResolveObjective(SourceInfo source)
    {
        if (source.Sis is { } sis && Metadata.ObjectivePower.IsPlausible(sis.Magnification))
        {
            return (sis.Magnification, "olympus-sis");
        }

        if (Metadata.ObjectivePower.FromDescription(source.Main.Directory.GetString(TiffTag.ImageDescription)) is { } power)
        {
            return (power, "image-description");
        }

        return (null, "none");
    }

    /// <summary>
    /// Lays out the output's head and bounds its size. In auto mode the output is classic TIFF only when even the
    /// worst case fits: every tile at its encoder's guaranteed maximum (libjpeg-turbo's tjBufSize is 2 bytes per
    /// pixel for grayscale, more than the raw tile) plus the classic head, associated images included. A wrong
    /// guess here would only surface after the whole conversion, as an output classic TIFF cannot address.
    /// </summary>
    private static (OutputLayout Layout, long WorstCaseBytes) PlanLayout(
        SourceInfo source, PyramidPlan plan, ITileEncoderFactory encoder, BigTiffMode mode, double? mpp, string description,
        IReadOnlyDictionary<string, string>? record)
    {
        var classic = OutputLayout.Create(source, plan, encoder, bigTiff: false, mpp, description, record);
        long worstCase = EstimateWorstCaseBytes(plan, encoder, classic.Head.Length);
        bool bigTiff = mode switch
        {
            BigTiffMode.Yes => true,
            BigTiffMode.No => false,
            _ => worstCase >= ClassicTiffLimit,
        };
        return bigTiff
            ? (OutputLayout.Create(source, plan, encoder, bigTiff: true, mpp, description, record), worstCase)
            : (classic, worstCase);
    }

    internal static long EstimateWorstCaseBytes(PyramidPlan plan, ITileEncoderFactory encoder, long headLength)
    {
        using var probe = encoder.Create();
        return headLength + (plan.TotalTiles * (long)probe.MaxEncodedLength);
    }
}
