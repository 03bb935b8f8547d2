using System.Globalization;

namespace BtfConvert.Core.Tiff;

/// <summary>
/// The pixel size X/YResolution give, read the way OpenSlide 4 reads a generic TIFF
/// (<c>_openslide_tifflike_set_resolution_props</c>): ResolutionUnit centimetre (10⁴ µm) or inch (25,400 µm; also
/// when the tag is absent, the TIFF default), XResolution and YResolution both present and non-zero, µm per pixel =
/// unit ÷ resolution. Unlike OpenSlide, a value no microscope produces is not believed: image software writes
/// 72, 96, 150 or 300 dpi (352.8, 264.6, 169.3, 84.7 µm) and vips 10 pixels per cm (1 mm) whatever the image, while
/// slide scanners give 0.1–10 µm and macro cameras a few tens, so anything coarser than <see cref="MaxMicronsPerPixel"/>
/// (finer than 1 nm) is reported as a default and ignored. X is the pixel size; a different Y is noted.
/// </summary>
public static class TiffResolution
{
    /// <summary>50 µm = 508 dpi: coarser than any slide scan, finer than every software default (72–300 dpi).</summary>
    public const double MaxMicronsPerPixel = 50;

    public const double MinMicronsPerPixel = 0.001;

    /// <summary>The pixel size of <paramref name="directory"/>, or why its resolution tags give none.</summary>
    public static ResolutionPixelSize Read(TiffDirectory directory)
    {
        var inv = CultureInfo.InvariantCulture;
        ulong unit = directory.GetUInt64(TiffTag.ResolutionUnit) ?? TiffConstants.ResolutionUnitInch;
        (double micrometres, string unitName) = unit switch
        {
            TiffConstants.ResolutionUnitCentimeter => (1e4, "cm"),
            TiffConstants.ResolutionUnitInch => (25_400d, "inch"),
            _ => (0d, string.Empty),
        };
        if (directory[TiffTag.XResolution] is not { Count: > 0 } x || directory[TiffTag.YResolution] is not { Count: > 0 } y)
        {
            return new ResolutionPixelSize(null, "no X/YResolution");
        }

        if (micrometres == 0)
        {
            return new ResolutionPixelSize(null, string.Create(inv, $"ResolutionUnit {unit} (none) gives no physical size"));
        }

        double perUnitX = x.GetRational(), perUnitY = y.GetRational();
        if (!(perUnitX > 0 && perUnitY > 0) || double.IsInfinity(perUnitX) || double.IsInfinity(perUnitY))
        {
            return new ResolutionPixelSize(null, "X/YResolution is zero or invalid");
        }

        double mpp = micrometres / perUnitX;
        string detail = string.Create(inv, $"X/YResolution {perUnitX:0.###} per {unitName}");
        if (mpp is > MaxMicronsPerPixel or < MinMicronsPerPixel)
        {
            return new ResolutionPixelSize(null, string.Create(inv,
                $"{detail} ({mpp:0.#} µm) is a software default, not a microscope's pixel size"));
        }

        double mppY = micrometres / perUnitY;
        if (Math.Abs(mppY - mpp) > mpp * 0.01)
        {
            detail += string.Create(inv, $"; Y gives {mppY:0.######} µm");
        }

        return new ResolutionPixelSize(Math.Round(mpp, 6), detail);
    }
}

/// <param name="MicronsPerPixel">The pixel size, or null when the tags give none (<paramref name="Detail"/> says why).</param>
/// <param name="Detail">What the tags say, e.g. "X/YResolution 29002.32 per cm".</param>
public sealed record ResolutionPixelSize(double? MicronsPerPixel, string Detail);
