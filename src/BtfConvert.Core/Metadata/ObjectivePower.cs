using System.Globalization;

namespace BtfConvert.Core.Metadata;

/// <summary>
/// The objective power as an output's ImageDescription carries it: one <c>|</c>-separated part <c>AppMag = 20</c>.
/// That is the one place a generic tiled TIFF can hold it for the viewers: large_image's tiff source
/// (girder/large_image <c>tiff_reader.py</c>, <c>parse_image_description</c>) reads the magnification of any
/// non-XML, non-JSON description as the text between <c>AppMag = </c> and the next <c>|</c>, while OpenSlide's
/// generic-tiff reader sets no objective-power at all (only its vendor readers do) and shows the description as
/// <c>tiff.ImageDescription</c>. OpenSlide takes a file for Aperio only when the description starts with "Aperio",
/// so this part does not make the output look like an SVS.
/// </summary>
public static class ObjectivePower
{
    private const string Key = "AppMag = ";

    /// <summary>The description part for <paramref name="power"/>, e.g. "AppMag = 20".</summary>
    public static string ToDescriptionPart(double power) => string.Create(CultureInfo.InvariantCulture, $"{Key}{power:0.##}");

    /// <summary>The power an <c>AppMag = N</c> part of <paramref name="description"/> gives (read as large_image reads it); null if none or implausible.</summary>
    public static double? FromDescription(string? description)
    {
        int at = description?.IndexOf(Key, StringComparison.Ordinal) ?? -1;
        if (at < 0)
        {
            return null;
        }

        string rest = description![(at + Key.Length)..];
        int end = rest.IndexOf('|', StringComparison.Ordinal);
        string value = (end < 0 ? rest : rest[..end]).Trim();
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double power) && IsPlausible(power) ? power : null;
    }

    /// <summary>Microscope objectives run from 1× to 100×; 0 (what a scanner writes when it does not know) or 10⁶ is no value.</summary>
    public static bool IsPlausible(double power) => power is >= 0.5 and <= 200;
}
