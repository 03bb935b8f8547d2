namespace BtfConvert.Core.Tiff.Writing;

/// <summary>
/// The source's EXIF IFD as a valid EXIF IFD of a TIFF file (what <c>exiftool -validate</c> checks, after EXIF 2.32):
/// entries converted to little-endian; nested IFD pointers dropped (they would dangle); the tags EXIF allows only
/// for compressed (JPEG) files dropped — PixelX/YDimension (the real scanner writes them: 45048×40466),
/// ComponentsConfiguration, CompressedBitsPerPixel; ExifVersion raised to the first version that defines every tag
/// kept (the VS120 writes 0210 with ExposureMode, an EXIF 2.2 tag); the mandatory ExifVersion, FlashpixVersion and
/// ColorSpace added when missing (ColorSpace 0xFFFF, uncalibrated: nothing says the scanner's is sRGB).
/// </summary>
internal static class ExifDirectoryCopy
{
    private const ushort ExifVersion = 0x9000;
    private const ushort FlashpixVersion = 0xA000;
    private const ushort ColorSpace = 0xA001;
    private const ushort ColorSpaceUncalibrated = 0xFFFF;

    /// <summary>PixelXDimension, PixelYDimension, ComponentsConfiguration, CompressedBitsPerPixel: "not allowed in TIFF".</summary>
    private static readonly HashSet<ushort> CompressedFileOnly = [0xA002, 0xA003, 0x9101, 0x9102];

    /// <summary>A copy of <paramref name="exif"/> for the output; null when nothing is left to copy.</summary>
    public static IfdSpec? Create(TiffDirectory exif)
    {
        var spec = new IfdSpec();
        int requiredVersion = 0;
        foreach (var (tag, field) in exif.Fields)
        {
            if (tag == TiffTag.InteroperabilityIfd || field.Type is TiffFieldType.Ifd or TiffFieldType.Ifd8
                || field.Type is TiffFieldType.Long8 or TiffFieldType.SLong8 // not valid in a classic TIFF; EXIF never needs them
                || CompressedFileOnly.Contains(tag))
            {
                continue;
            }

            requiredVersion = Math.Max(requiredVersion, VersionIntroducing(tag));
            spec.Set(tag, TiffValue.Raw(field.Type, (long)field.Count, ToLittleEndian(field)));
        }

        if (spec.Entries.Count == 0)
        {
            return null;
        }

        int version = ParseVersion(exif[ExifVersion]);
        if (version < Math.Max(requiredVersion, 210))
        {
            spec.Set(ExifVersion, Version(Math.Max(requiredVersion, 210)));
        }

        if (!spec.Entries.ContainsKey(FlashpixVersion))
        {
            spec.Set(FlashpixVersion, TiffValue.Raw(TiffFieldType.Undefined, 4, "0100"u8.ToArray()));
        }

        if (!spec.Entries.ContainsKey(ColorSpace))
        {
            spec.Set(ColorSpace, TiffValue.Short(ColorSpaceUncalibrated));
        }

        return spec;
    }

    /// <summary>The EXIF version (as 220 for "0220") that introduced <paramref name="tag"/>; 0 for tags of every version.</summary>
    internal static int VersionIntroducing(ushort tag) => tag switch
    {
        0x9214 or (>= 0xA401 and <= 0xA40C) or 0xA420 => 220, // SubjectArea, CustomRendered…SubjectDistanceRange, ImageUniqueID
        0xA500 => 221, // Gamma
        (>= 0x8830 and <= 0x8835) or (>= 0xA430 and <= 0xA435) => 230, // sensitivity types, camera owner, lens data
        (>= 0x9010 and <= 0x9012) or (>= 0x9400 and <= 0x9405) => 231, // offset times, ambient conditions
        >= 0xA460 and <= 0xA462 => 232, // composite image
        _ => 0,
    };

    private static int ParseVersion(TiffField? field) =>
        field is { Count: 4 } && field.Data.Length >= 4 && field.Data.AsSpan(0, 4).IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
            ? int.Parse(System.Text.Encoding.ASCII.GetString(field.Data, 0, 4), System.Globalization.CultureInfo.InvariantCulture)
            : 0;

    private static TiffValue Version(int version) =>
        TiffValue.Raw(TiffFieldType.Undefined, 4, System.Text.Encoding.ASCII.GetBytes(version.ToString("0000", System.Globalization.CultureInfo.InvariantCulture)));

    private static byte[] ToLittleEndian(TiffField field)
    {
        byte[] data = (byte[])field.Data.Clone();
        int unit = field.Type.SwapUnitSize();
        if (!field.LittleEndian && unit > 1)
        {
            for (int i = 0; i + unit <= data.Length; i += unit)
            {
                Array.Reverse(data, i, unit);
            }
        }

        return data;
    }
}
