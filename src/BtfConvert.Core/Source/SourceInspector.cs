using BtfConvert.Core.IO;
using BtfConvert.Core.Metadata;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Source;

/// <summary>Reads and validates everything about an input except the main image's pixels.</summary>
public static class SourceInspector
{
    /// <summary>Extra IFDs up to this many pixels are kept as associated images; larger ones are skipped.</summary>
    public const long MaxAssociatedPixels = 4L << 20;

    /// <summary>
    /// Associated images are held for the whole conversion and copied into the output's head, so their total is
    /// capped too: real scans carry one tiny thumbnail, a crafted file could carry a thousand 4-Mpixel ones.
    /// </summary>
    public const long MaxAssociatedBytes = 32L << 20;

    /// <summary>
    /// Associated images kept: real scans carry one to three (thumbnail, label, macro); a file of a thousand tiny
    /// valid IFDs must not become an output listing a thousand images. The rest are skipped with one warning.
    /// </summary>
    public const int MaxAssociatedImages = 4;

    public static async Task<SourceInfo> InspectAsync(IByteSource source, CancellationToken cancellationToken)
    {
        var reader = new CachedReader(source);
        TiffFileInfo file;
        try
        {
            file = await TiffFileReader.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{source.Name}: the file is truncated ({e.Message})", e);
        }

        var main = SourceImage.FromDirectory(file, PickMainDirectory(file));
        var warnings = new List<string>(file.Warnings);
        if (ImageOrientation.InvalidValueWarning(main.Directory) is { } orientationWarning)
        {
            warnings.Add(orientationWarning);
        }

        // Tiled IFDs besides the main image are the reduced levels of an existing pyramid (SVS, our own outputs,
        // vips/GDAL pyramids); stripped ones are its thumbnail, label and macro images.
        var levels = Enumerable.Range(0, file.Directories.Count)
            .Where(i => i != main.DirectoryIndex && file.Directories[i][TiffTag.TileOffsets] is not null).ToList();
        var notes = new List<string> { DescribeMain(file, main, levels) };
        var extras = Enumerable.Range(0, file.Directories.Count).Where(i => i != main.DirectoryIndex && !levels.Contains(i)).ToList();
        var associated = await ReadAssociatedImagesAsync(source, reader, file, extras, warnings, cancellationToken).ConfigureAwait(false);
        var sis = await ReadSisAsync(reader, main, warnings, cancellationToken).ConfigureAwait(false);
        return new SourceInfo(file, main, associated, sis, warnings) { Notes = notes };
    }

    /// <summary>
    /// TIFF puts the full-resolution image first. If IFD0's geometry is damaged, that is the error to report:
    /// picking the "largest" remaining IFD would silently convert the thumbnail instead of the slide.
    /// </summary>
    private static int PickMainDirectory(TiffFileInfo file)
    {
        SourceImage.ReadGeometry(file.Name, file.Directories[0]);
        int mainIndex = 0;
        for (int i = 1; i < file.Directories.Count; i++)
        {
            if (HasValidGeometry(file.Name, file.Directories[i]) && Area(file.Directories[i]) > Area(file.Directories[mainIndex]))
            {
                mainIndex = i;
            }
        }

        return mainIndex;
    }

    /// <summary>The extra IFDs kept as associated images, within the count and byte caps; each one skipped is a warning.</summary>
    private static async Task<List<AssociatedImage>> ReadAssociatedImagesAsync(IByteSource source, CachedReader reader,
        TiffFileInfo file, List<int> extras, List<string> warnings, CancellationToken cancellationToken)
    {
        var associated = new List<AssociatedImage>();
        long associatedBytes = 0;
        var beyondCount = new List<int>();
        foreach (int i in extras)
        {
            if (associated.Count == MaxAssociatedImages)
            {
                beyondCount.Add(i);
                continue;
            }

            try
            {
                var image = await ReadAssociatedAsync(source, reader, file, i, cancellationToken).ConfigureAwait(false);
                if (image is null)
                {
                    warnings.Add($"IFD {i} ({file.Directories[i].Width}x{file.Directories[i].Height}) is too large to keep as an associated image; skipped");
                }
                else if (associatedBytes + ((long)image.Width * image.Height * Math.Max(3, image.SamplesPerPixel)) > MaxAssociatedBytes)
                {
                    warnings.Add($"IFD {i} ({image.Width}x{image.Height}) skipped: associated images are limited to {MaxAssociatedBytes >> 20} MiB in all");
                }
                else
                {
                    image = AssociatedImageNaming.ForOutput(image, AssociatedImageNaming.NameFor(image, file.Directories[i], associated));
                    associated.Add(image);
                    associatedBytes += image.Pixels.Length;
                }
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or EndOfStreamException)
            {
                warnings.Add($"IFD {i} skipped: {e.Message}");
            }
        }

        if (beyondCount.Count > 0)
        {
            warnings.Add($"{beyondCount.Count} more IFD(s) skipped (IFD {beyondCount[0]}…{beyondCount[^1]}): at most {MaxAssociatedImages} associated images are kept");
        }

        return associated;
    }

    private static async Task<OlympusSisMetadata?> ReadSisAsync(CachedReader reader, SourceImage main, List<string> warnings,
        CancellationToken cancellationToken)
    {
        ulong? sisOffset = main.Directory.GetUInt64(TiffTag.OlympusSis);
        if (sisOffset is not (> 0 and < long.MaxValue))
        {
            return null;
        }

        var sis = await OlympusSisParser.TryReadAsync(reader, (long)sisOffset.Value, cancellationToken).ConfigureAwait(false);
        if (sis is null)
        {
            warnings.Add("the Olympus SIS block could not be read; no pixel size from it");
        }

        return sis;
    }

    private static string DescribeMain(TiffFileInfo file, SourceImage main, List<int> levels)
    {
        string text = $"main image: IFD {main.DirectoryIndex} of {file.Directories.Count}, {main.Width}x{main.Height}, {main.Describe()}";
        if (levels.Count > 0)
        {
            text += $"; the source is a pyramid: converted from this full-resolution level, its {levels.Count} reduced level(s) (IFD {string.Join(", ", levels)}) are rebuilt, not copied";
        }

        if (main.Directory[TiffTag.SubIfds] is not null)
        {
            text += "; its SubIFDs (reduced levels) are rebuilt, not copied";
        }

        return text;
    }

    // Double: damaged dimensions up to 2^32 each would overflow a long product.
    private static double Area(TiffDirectory d) => (double)d.Width * d.Height;

    private static bool HasValidGeometry(string name, TiffDirectory d)
    {
        try
        {
            SourceImage.ReadGeometry(name, d);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            return false;
        }
    }

    private static async Task<AssociatedImage?> ReadAssociatedAsync(
        IByteSource source, CachedReader reader, TiffFileInfo file, int index, CancellationToken ct)
    {
        var dir = file.Directories[index];
        var (width, height, spp, bits) = SourceImage.ReadGeometry(file.Name, dir);
        if ((long)width * height > MaxAssociatedPixels)
        {
            return null;
        }

        if (!(bits is 8 or 16 && SourceImage.IsUncompressedRgbOrGrayStrips(dir, spp)))
        {
            return ReadDecodedAssociated(source, file, index, ct);
        }

        int bytesPerSample = bits / 8;
        var (rowsPerStrip, offsets) = SourceImage.ReadStrips(file, dir, width, height, spp, bytesPerSample);
        int rowBytes = width * spp * bytesPerSample;
        var raw = new byte[(long)rowBytes * height];
        for (int s = 0; s < offsets.Length; s++)
        {
            int firstRow = (int)(s * rowsPerStrip);
            int rows = (int)Math.Min(rowsPerStrip, height - firstRow);
            byte[] strip = await reader.ReadAsync(offsets[s], (long)rows * rowBytes, ct).ConfigureAwait(false);
            strip.CopyTo(raw.AsSpan(firstRow * rowBytes));
        }

        string photometric = spp == 3 ? "RGB" : "MinIsBlack";
        string description = $"BtfConvert associated image: source IFD {index}, {width}x{height} {bits}-bit {photometric}";
        byte[] pixels = raw;
        if (bits == 16)
        {
            pixels = ScaleTo8Bit(raw, file.Header.LittleEndian);
            description += ", contrast-stretched to 8-bit";
        }

        return new AssociatedImage(index, width, height, spp, pixels, description);
    }

    /// <summary>A compressed (SVS label, JPEG macro), palette, bilevel … extra image, decoded like a main image.</summary>
    private static AssociatedImage ReadDecodedAssociated(IByteSource source, TiffFileInfo file, int index, CancellationToken ct)
    {
        var image = SourceImage.FromDirectory(file, index);
        int rowBytes = image.RowBytes;
        var pixels = new byte[(long)rowBytes * image.Height];
        int y = 0;
        DecodingRowReader.ReadRows(source, image, source.PreferredReadSize, 1,
            row => row.CopyTo(pixels.AsSpan(y++ * rowBytes)), null, ct);
        string description = $"BtfConvert associated image: source IFD {index}, {image.Width}x{image.Height} {image.Describe()}";
        return new AssociatedImage(index, image.Width, image.Height, image.SamplesPerPixel, pixels, description);
    }

    /// <summary>Maps the used 16-bit range linearly onto 0..255 so the image is visible in any viewer.</summary>
    internal static byte[] ScaleTo8Bit(ReadOnlySpan<byte> raw, bool littleEndian)
    {
        var r = new EndianReader(littleEndian);
        int n = raw.Length / 2;
        int min = ushort.MaxValue, max = 0;
        for (int i = 0; i < n; i++)
        {
            int v = r.UInt16(raw[(i * 2)..]);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        var result = new byte[n];
        int range = Math.Max(1, max - min);
        for (int i = 0; i < n; i++)
        {
            int v = r.UInt16(raw[(i * 2)..]);
            result[i] = (byte)((((v - min) * 255L) + (range / 2)) / range);
        }

        return result;
    }
}
