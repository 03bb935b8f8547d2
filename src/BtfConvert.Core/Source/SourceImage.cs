using BtfConvert.Core.Source.Decoding;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Source;

/// <summary>
/// The validated main image of an input, with exactly one of two layouts: plain uncompressed chunky 8-bit RGB or
/// gray strips (the scanners' layout, <see cref="Strips"/>) are copied as they are by <see cref="StripReader"/>;
/// everything else LibTiff.NET can decode (compressed, tiled, planar, 16-bit, palette, bilevel, YCbCr, with alpha) is
/// described by <see cref="Format"/> and <see cref="Chunks"/> and decoded by <see cref="DecodingRowReader"/>. Either
/// way the pyramid gets 8-bit rows of <see cref="SamplesPerPixel"/> (1 or 3) samples. Validation happens before any
/// output exists, so a damaged or unsupported input fails fast, with one line, and leaves nothing behind.
/// </summary>
public sealed class SourceImage
{
    /// <summary>Widest and tallest image accepted (the TIFF limit is 2^32; this keeps rows addressable).</summary>
    public const int MaxDimension = 1 << 24;

    private SourceImage(string name, int directoryIndex, TiffDirectory directory, int width, int height,
        int samplesPerPixel, ulong compression, PixelFormat format, StripLayout? strips, ChunkLayout? chunks)
    {
        Compression = compression;
        Format = format;
        Strips = strips;
        Chunks = chunks;
        Name = name;
        DirectoryIndex = directoryIndex;
        Directory = directory;
        Width = width;
        Height = height;
        SamplesPerPixel = samplesPerPixel;
        Orientation = ImageOrientation.Of(directory);
    }

    public string Name { get; }

    /// <summary>Count fields of entries the walk ignored, to hide from LibTiff.NET (see <see cref="TiffFileInfo.IgnoredCountFields"/>).</summary>
    public IReadOnlyList<(long Offset, int Length)> IgnoredCountFields { get; init; } = [];

    public int DirectoryIndex { get; }
    public TiffDirectory Directory { get; }
    public int Width { get; }
    public int Height { get; }
    public int SamplesPerPixel { get; }
    public int RowBytes => Width * SamplesPerPixel;

    /// <summary>The Orientation tag (upright when absent or invalid): how the stored rows are turned upright.</summary>
    public ImageOrientation Orientation { get; }

    /// <summary>The TIFF Compression value of the source image.</summary>
    public ulong Compression { get; }

    internal PixelFormat Format { get; }

    /// <summary>The plain strips <see cref="StripReader"/> copies; null for an image that is decoded.</summary>
    public StripLayout? Strips { get; }

    /// <summary>The strips or tiles to decode; null for plain strips, which <see cref="StripReader"/> copies.</summary>
    internal ChunkLayout? Chunks { get; }

    /// <summary>Uncompressed chunky 8-bit RGB or gray strips: rows are copied straight from the file (the fast path).</summary>
    public bool IsPlainStrips => Strips is not null;

    /// <summary>What the source holds, for logs and <c>info</c>: e.g. "16-bit Rgb, LZW (5), tiles 256x256".</summary>
    public string Describe() => $"{Format.Describe()}, {CompressionName(Compression)}, {Chunks?.Describe() ?? Strips!.Describe()}";

    /// <summary>File offset of row <paramref name="y"/> of plain strips.</summary>
    public long RowOffset(int y) => (Strips ?? throw new InvalidOperationException($"{Name}: a decoded image has no row offsets")).RowOffset(y);

    /// <summary>Validates <paramref name="dir"/> as a convertible main image.</summary>
    /// <exception cref="InvalidDataException">Damaged or inconsistent directory.</exception>
    /// <exception cref="NotSupportedException">A valid layout this converter does not read.</exception>
    public static SourceImage FromDirectory(TiffFileInfo file, int index)
    {
        string name = file.Name;
        var dir = file.Directories[index];
        var (width, height, spp, bits) = ReadGeometry(file.Name, dir);
        ulong compression = dir.GetUInt64(TiffTag.Compression) ?? TiffConstants.CompressionNone;
        CheckCompression(file.Name, compression);
        var format = PixelFormat.FromDirectory(file.Name, dir, spp, bits, compression);
        bool tiled = dir[TiffTag.TileWidth] is not null || dir[TiffTag.TileOffsets] is not null;
        if (compression == TiffConstants.CompressionNone && !tiled && format.IsPlain8Bit)
        {
            var (rowsPerStrip, offsets) = ReadStrips(file, dir, width, height, spp, bytesPerSample: 1);
            var strips = new StripLayout(rowsPerStrip, offsets, width * spp);
            return new SourceImage(file.Name, index, dir, width, height, spp, compression, format, strips, chunks: null)
            {
                IgnoredCountFields = file.IgnoredCountFields,
            };
        }

        var chunks = ChunkLayout.FromDirectory(file, dir, width, height, format, compression == TiffConstants.CompressionNone);
        if (file.Header.IsBigTiff && !file.Header.LittleEndian)
        {
            // LibTiff.NET 2.4 cannot open big-endian BigTIFF ("Failed to read directory at offset 0").
            throw new NotSupportedException(
                $"{name}: big-endian BigTIFF is only read as uncompressed 8-bit RGB or gray strips; this image is {format.Describe()}, {CompressionName(compression)}, {chunks.Describe()}");
        }

        return new SourceImage(file.Name, index, dir, width, height, format.OutputSamples, compression, format, strips: null, chunks)
        {
            IgnoredCountFields = file.IgnoredCountFields,
        };
    }

    /// <summary>
    /// Compressions LibTiff.NET decodes: none, CCITT RLE/fax 3/fax 4/RLEW (2, 3, 4, 32771), LZW, JPEG (7), deflate
    /// (8, 32946), PackBits. Old-style JPEG (6) is left out: its files are too often malformed to trust.
    /// </summary>
    private static readonly HashSet<ulong> DecodableCompressions = [1, 2, 3, 4, 5, 7, 8, 32771, 32773, 32946];

    private static void CheckCompression(string name, ulong compression)
    {
        if (!DecodableCompressions.Contains(compression))
        {
            throw new NotSupportedException(
                $"{name}: compression {CompressionName(compression)} is not supported (none, LZW, deflate, PackBits, JPEG (7) and CCITT fax are)");
        }
    }

    /// <summary>Width, height, samples per pixel and bits per sample, checked for sanity.</summary>
    internal static (int Width, int Height, int Spp, int Bits) ReadGeometry(string name, TiffDirectory dir)
    {
        ulong w = Require(name, dir, TiffTag.ImageWidth, "ImageWidth");
        ulong h = Require(name, dir, TiffTag.ImageLength, "ImageLength");
        if (w == 0 || h == 0)
        {
            throw new InvalidDataException($"{name}: image has zero width or height ({w}x{h})");
        }

        if (w > MaxDimension || h > MaxDimension)
        {
            throw new InvalidDataException($"{name}: image dimensions {w}x{h} are beyond what any scanner writes");
        }

        ulong spp = dir.GetUInt64(TiffTag.SamplesPerPixel) ?? 1;
        if (spp == 0)
        {
            throw new InvalidDataException($"{name}: SamplesPerPixel is 0");
        }

        var bitsField = dir[TiffTag.BitsPerSample];
        ulong bits = 1;
        if (bitsField is not null && bitsField.Count > 0)
        {
            if (!bitsField.IsInteger)
            {
                throw new InvalidDataException($"{name}: BitsPerSample has type {bitsField.Type}");
            }

            bits = bitsField.GetUInt64();
            for (int i = 1; i < (int)Math.Min(bitsField.Count, spp); i++)
            {
                if (bitsField.GetUInt64(i) != bits)
                {
                    throw new NotSupportedException($"{name}: samples of different bit depths are not supported");
                }
            }
        }

        return ((int)w, (int)h, (int)Math.Min(spp, 64), (int)Math.Min(bits, 64));
    }

    /// <summary>Uncompressed chunky RGB or MinIsBlack strips of unsigned samples: the layout read without a decoder.</summary>
    internal static bool IsUncompressedRgbOrGrayStrips(TiffDirectory dir, int spp)
    {
        ulong photometric = dir.GetUInt64(TiffTag.Photometric) ?? (spp >= 3 ? TiffConstants.PhotometricRgb : TiffConstants.PhotometricMinIsBlack);
        return (dir.GetUInt64(TiffTag.Compression) ?? TiffConstants.CompressionNone) == TiffConstants.CompressionNone
            && (spp, photometric) is (3, TiffConstants.PhotometricRgb) or (1, TiffConstants.PhotometricMinIsBlack)
            && dir[TiffTag.ColorMap] is null && dir[TiffTag.TileWidth] is null && dir[TiffTag.TileOffsets] is null
            && (spp == 1 || (dir.GetUInt64(TiffTag.PlanarConfiguration) ?? TiffConstants.PlanarChunky) == TiffConstants.PlanarChunky)
            && (dir.GetUInt64(TiffTag.SampleFormat) ?? 1) == 1;
    }

    internal static (long RowsPerStrip, long[] Offsets) ReadStrips(
        TiffFileInfo file, TiffDirectory dir, int width, int height, int spp, int bytesPerSample)
    {
        string name = file.Name;
        var offsetsField = dir[TiffTag.StripOffsets]
            ?? throw new InvalidDataException($"{name}: missing required tag StripOffsets");
        var countsField = dir[TiffTag.StripByteCounts]
            ?? throw new InvalidDataException($"{name}: missing required tag StripByteCounts");
        RequireUnsigned(name, offsetsField, "StripOffsets");
        RequireUnsigned(name, countsField, "StripByteCounts");

        long rowsPerStrip = (long)Math.Min(dir.GetUInt64(TiffTag.RowsPerStrip) ?? uint.MaxValue, (ulong)height);
        if (rowsPerStrip == 0)
        {
            throw new InvalidDataException($"{name}: RowsPerStrip is 0");
        }

        long strips = (height + rowsPerStrip - 1) / rowsPerStrip;
        if ((long)offsetsField.Count != strips || (long)countsField.Count != strips)
        {
            throw new InvalidDataException(
                $"{name}: expected {strips} strips for {height} rows of {rowsPerStrip}, but StripOffsets has {offsetsField.Count} and StripByteCounts {countsField.Count}");
        }

        long rowBytes = (long)width * spp * bytesPerSample;
        var offsets = new long[strips];
        for (int s = 0; s < strips; s++)
        {
            ulong offset = offsetsField.GetUInt64(s);
            ulong count = countsField.GetUInt64(s);
            long rows = Math.Min(rowsPerStrip, height - (s * rowsPerStrip));
            long needed = rows * rowBytes;
            if (count < (ulong)needed)
            {
                throw new InvalidDataException(
                    $"{name}: strip {s} has {count} bytes but {rows} rows of {width}x{spp} samples need {needed}");
            }

            if (offset > (ulong)file.Length || (long)offset > file.Length - needed)
            {
                throw new InvalidDataException(
                    $"{name}: strip {s} ({needed} bytes at {offset}) runs past the end of the file ({file.Length} bytes); the file is truncated or damaged");
            }

            offsets[s] = (long)offset;
        }

        return (rowsPerStrip, offsets);
    }

    private static void RequireUnsigned(string name, TiffField field, string tagName)
    {
        if (field.Type is TiffFieldType.SShort or TiffFieldType.SLong or TiffFieldType.SLong8)
        {
            // Offsets and sizes are unsigned in TIFF; libtiff refuses signed ones too, and a negative one is no position.
            throw new InvalidDataException($"{name}: {tagName} has the signed type {field.Type.ToString().ToUpperInvariant()} (TIFF requires unsigned offsets and counts)");
        }

        if (!field.IsInteger)
        {
            throw new InvalidDataException($"{name}: {tagName} has type {field.Type}, not an unsigned integer type");
        }
    }

    private static ulong Require(string name, TiffDirectory dir, ushort tag, string tagName)
    {
        var f = dir[tag] ?? throw new InvalidDataException($"{name}: missing required tag {tagName}");
        if (!f.IsInteger || f.Count == 0)
        {
            throw new InvalidDataException($"{name}: tag {tagName} has type {f.Type} and {f.Count} values");
        }

        return f.GetUInt64();
    }

    public static string CompressionName(ulong compression) => compression switch
    {
        TiffConstants.CompressionNone => "none",
        TiffConstants.CompressionLzw => "LZW (5)",
        TiffConstants.CompressionOldJpeg => "old-style JPEG (6)",
        TiffConstants.CompressionJpeg => "JPEG (7)",
        TiffConstants.CompressionAdobeDeflate or TiffConstants.CompressionDeflate => $"deflate ({compression})",
        TiffConstants.CompressionPackBits => "PackBits (32773)",
        TiffConstants.CompressionZstd => "zstd (50000)",
        _ => compression.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
