using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace BtfConvert.Samples.Malformed;

/// <summary>
/// The malformed-input corpus (tests/TestData/malformed): each case is a small valid Olympus-like sample (64×48,
/// three 16-row strips, thumbnail IFD, SIS, EXIF) in one of four flavours, damaged in exactly one way. Deterministic,
/// so the committed files can be checked against this code.
/// </summary>
public static class MalformedCorpus
{
    public const int BadInput = 3;
    public const int Ok = 0;

    private const ushort ImageWidth = 256, ImageLength = 257, BitsPerSample = 258, Compression = 259, Photometric = 262;
    private const ushort StripOffsets = 273, Orientation = 274, SamplesPerPixel = 277, RowsPerStrip = 278;
    private const ushort StripByteCounts = 279, PlanarConfiguration = 284, TileWidth = 322, SampleFormat = 339;
    private const ushort OlympusSis = 33560, ExifIfd = 34665;
    private const ushort Short = 3, Long = 4, Ascii = 2, Long8 = 16;

    private static readonly SampleSpec Small = new() { Width = 64, Height = 48, RowsPerStrip = 16, Seed = 11 };

    /// <summary>The four base flavours: BigTIFF/classic × little/big-endian.</summary>
    public static byte[] Base(bool bigTiff, bool littleEndian)
    {
        using var stream = new MemoryStream();
        BtfSampleWriter.Write(stream, Small with { BigTiff = bigTiff, LittleEndian = littleEndian });
        return stream.ToArray();
    }

    public static IReadOnlyList<MalformedCase> All()
    {
        var cases = new List<MalformedCase>();
        void Add(string name, string damage, int code, string expect, byte[] bytes) =>
            cases.Add(new MalformedCase(name, damage, code, expect, bytes));

        // (flavour tag in the name: bt = BigTIFF, ct = classic; le/be = byte order)
        TiffPatcher Bt() => new(Base(true, true));
        TiffPatcher BtBe() => new(Base(true, false));
        TiffPatcher Ct() => new(Base(false, true));
        TiffPatcher CtBe() => new(Base(false, false));
        byte[] With(TiffPatcher p, Action<TiffPatcher> damage)
        {
            damage(p);
            return p.ToArray();
        }

        // --- the container ---
        Add("empty", "a zero-byte file", BadInput, "file is empty", []);
        Add("not-a-tiff", "a text file", BadInput, "not a TIFF file", Encoding.ASCII.GetBytes("This is not an image, just some text.\n"));
        Add("png-signature", "a PNG signature and header", BadInput, "not a TIFF file",
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
        Add("truncated-header-ct-le", "the first 5 bytes of a classic TIFF", BadInput, "not a TIFF file", Ct().ToArray()[..5]);
        Add("truncated-header-bt-le", "the first 12 bytes of a BigTIFF", BadInput, "truncated BigTIFF header", Bt().ToArray()[..12]);
        Add("bad-version-bt-be", "version 44 instead of 42/43", BadInput, "version 44", With(BtBe(), p => p.W16(2, 44)));
        Add("bigtiff-offset-size-4-bt-le", "BigTIFF header with offset size 4", BadInput, "damaged BigTIFF header", With(Bt(), p => p.W16(4, 4)));
        Add("truncated-mid-strips-bt-le", "cut in the middle of the second strip (IFDs are at the end, so they are lost)",
            BadInput, "truncated", With(Bt(), p => p.Truncate(507 + (64 * 3 * 16) + 1000)));
        Add("truncated-mid-strips-ct-be", "cut in the middle of the first strip", BadInput, "truncated", With(CtBe(), p => p.Truncate(900)));

        // --- the IFD chain ---
        Add("ifd-offset-past-eof-ct-le", "IFD0 offset 0xFFFFFFF0", BadInput, "past the end of the file", With(Ct(), p => p.FirstIfd = 0xFFFFFFF0));
        Add("ifd-offset-2e63-bt-le", "IFD0 offset 2^63 + 8", BadInput, "past the end of the file", With(Bt(), p => p.FirstIfd = (1UL << 63) + 8));
        Add("ifd-offset-zero-ct-le", "IFD0 offset 0", BadInput, "no image directory", With(Ct(), p => p.FirstIfd = 0));
        // A broken chain after a good IFD0 ends the chain with a warning, as in libtiff and tifffile.
        Add("circular-ifd-chain-bt-le", "IFD1's next pointer leads back to IFD0", Ok, "circular IFD chain",
            With(Bt(), p => p.SetNext(p.Ifd(1), p.FirstIfd)));
        Add("ifd-points-to-itself-ct-be", "IFD0's next pointer is IFD0", Ok, "circular IFD chain",
            With(CtBe(), p => p.SetNext(p.Ifd(0), p.FirstIfd)));
        Add("ifd-zero-entries-ct-le", "IFD0 entry count 0", BadInput, "has no entries", With(Ct(), p => p.SetEntryCount(p.Ifd(0), 0)));
        Add("ifd-65535-entries-ct-le", "IFD0 entry count 65535", BadInput, "65535 entries", With(Ct(), p => p.SetEntryCount(p.Ifd(0), 65535)));
        Add("ifd-2e40-entries-bt-be", "IFD0 entry count 2^40", BadInput, "1099511627776 entries", With(BtBe(), p => p.SetEntryCount(p.Ifd(0), 1UL << 40)));
        Add("ifd-runs-past-eof-bt-be", "IFD0 moved to the last 8 bytes, claiming 50 entries", BadInput, "runs past the end of the file",
            With(BtBe(), p =>
            {
                long at = p.Append(new byte[8]);
                p.W64(at, 50);
                p.FirstIfd = (ulong)at;
            }));

        // --- entries ---
        Add("tag-count-overflow-bt-le", "StripOffsets count 2^62 of LONG8 (count × 8 overflows 64 bits)", BadInput, "overflow",
            With(Bt(), p => p.SetCount(p.Entry(p.Ifd(0), StripOffsets), 1UL << 62)));
        Add("tag-count-4g-ct-le", "StripByteCounts count 2^30 of LONG (4 GiB of values in a small file)", BadInput, "value of tag 279",
            With(Ct(), p => p.SetCount(p.Entry(p.Ifd(0), StripByteCounts), 1UL << 30)));
        Add("duplicate-tag-bt-le", "Orientation re-tagged as a second StripOffsets", BadInput, "tag 273 appears twice",
            With(Bt(), p => p.SetTag(p.Entry(p.Ifd(0), Orientation), StripOffsets)));
        Add("width-unknown-type-bt-le", "ImageWidth has field type 99", BadInput, "missing required tag ImageWidth",
            With(Bt(), p => p.SetType(p.Entry(p.Ifd(0), ImageWidth), 99)));
        Add("width-ascii-ct-le", "ImageWidth stored as ASCII", BadInput, "ImageWidth has type",
            With(Ct(), p => p.SetType(p.Entry(p.Ifd(0), ImageWidth), Ascii)));
        Add("classic-long8-offsets-beyond-4g-ct-le", "classic TIFF whose StripOffsets are LONG8 values above 4 GiB", BadInput, "runs past the end of the file",
            With(Ct(), p =>
            {
                long e = p.Entry(p.Ifd(0), StripOffsets);
                var values = Enumerable.Range(0, 3).Select(i => p.GetValue(e, i) + (1UL << 32)).ToArray();
                p.SetValues(e, Long8, values);
            }));
        Add("classic-strip-offset-near-4g-ct-be", "classic TIFF strip 1 at 0xFFFFFF00", BadInput, "strip 1",
            With(CtBe(), p => p.SetValue(p.Entry(p.Ifd(0), StripOffsets), 0xFFFFFF00, 1)));

        // --- strips ---
        Add("strip-offsets-count-short-bt-le", "StripOffsets lists 2 strips of 3", BadInput, "expected 3 strips",
            With(Bt(), p => p.SetCount(p.Entry(p.Ifd(0), StripOffsets), 2)));
        Add("strip-bytecounts-count-long-ct-le", "StripByteCounts lists 4 values for 3 strips", BadInput, "expected 3 strips",
            With(Ct(), p =>
            {
                long e = p.Entry(p.Ifd(0), StripByteCounts);
                p.SetValues(e, Long, [.. Enumerable.Range(0, 3).Select(i => p.GetValue(e, i)), 3072UL]);
            }));
        Add("strip-past-eof-bt-le", "strip 2 starts 100 bytes before the end", BadInput, "strip 2",
            With(Bt(), p => p.SetValue(p.Entry(p.Ifd(0), StripOffsets), (ulong)(p.Length - 100), 2)));
        Add("strip-offset-2e63-bt-be", "strip 0 at 2^63 + 1", BadInput, "strip 0",
            With(BtBe(), p => p.SetValue(p.Entry(p.Ifd(0), StripOffsets), (1UL << 63) + 1, 0)));
        Add("strip-bytecount-too-small-ct-le", "strip 1 counted as 1000 bytes; 16 rows of 64×3 need 3072", BadInput, "strip 1 has 1000 bytes",
            With(Ct(), p => p.SetValue(p.Entry(p.Ifd(0), StripByteCounts), 1000, 1)));
        Add("rows-per-strip-zero-bt-le", "RowsPerStrip 0", BadInput, "RowsPerStrip is 0",
            With(Bt(), p => p.SetValue(p.Entry(p.Ifd(0), RowsPerStrip), 0)));

        // --- geometry ---
        Add("zero-width-bt-le", "ImageWidth 0", BadInput, "zero width or height", With(Bt(), p => p.SetValue(p.Entry(p.Ifd(0), ImageWidth), 0)));
        Add("zero-height-ct-be", "ImageLength 0", BadInput, "zero width or height", With(CtBe(), p => p.SetValue(p.Entry(p.Ifd(0), ImageLength), 0)));
        Add("dimensions-4g-by-4g-bt-le", "ImageWidth and ImageLength 2^32 - 1 (the pixel count overflows 64 bits as bytes × 3)", BadInput,
            "beyond what any scanner writes", With(Bt(), p =>
            {
                p.SetValue(p.Entry(p.Ifd(0), ImageWidth), uint.MaxValue);
                p.SetValue(p.Entry(p.Ifd(0), ImageLength), uint.MaxValue);
            }));
        Add("row-bytes-2e24-wide-bt-le", "ImageWidth 2^24 (a 16-row strip would be 768 MiB; the file has 10 KB)", BadInput, "strip 0 has 3072 bytes",
            With(Bt(), p => p.SetValue(p.Entry(p.Ifd(0), ImageWidth), 1 << 24)));
        Add("samples-per-pixel-zero-ct-le", "SamplesPerPixel 0", BadInput, "SamplesPerPixel is 0",
            With(Ct(), p => p.SetValue(p.Entry(p.Ifd(0), SamplesPerPixel), 0)));

        // --- valid TIFF, unsupported layout ---
        Add("compression-zstd-bt-le", "Compression 50000 (zstd)", BadInput, "compression zstd (50000) is not supported",
            With(Bt(), p => p.SetValue(p.Entry(p.Ifd(0), Compression), 50000)));
        Add("compression-old-jpeg-ct-le", "Compression 6 (old-style JPEG)", BadInput, "compression old-style JPEG (6) is not supported",
            With(Ct(), p => p.SetValue(p.Entry(p.Ifd(0), Compression), 6)));
        Add("planar-separate-bt-le", "PlanarConfiguration 2 with one strip per row band (three planes need 9)", BadInput, "StripOffsets has 3 values",
            With(Bt(), p => p.SetValue(p.Entry(p.Ifd(0), PlanarConfiguration), 2)));
        Add("bits-16-bt-be", "BitsPerSample 16,16,16 on 8-bit strips", BadInput, "16 rows of 64 16-bit Rgb pixels need 6144",
            With(BtBe(), p =>
            {
                long e = p.Entry(p.Ifd(0), BitsPerSample);
                p.SetValues(e, Short, [16, 16, 16]);
            }));
        Add("samples-4-ct-le", "SamplesPerPixel 4 (RGBA) on RGB strips", BadInput, "pixels need 4096",
            With(Ct(), p =>
            {
                p.SetValue(p.Entry(p.Ifd(0), SamplesPerPixel), 4);
                p.SetValues(p.Entry(p.Ifd(0), BitsPerSample), Short, [8, 8, 8, 8]);
            }));
        Add("palette-bt-le", "Photometric 3 (palette) without a ColorMap", BadInput, "palette image needs a ColorMap",
            With(Bt(), p => p.SetValue(p.Entry(p.Ifd(0), Photometric), 3)));
        Add("photometric-cmyk-bt-be", "Photometric 5 (CMYK)", BadInput, "photometric interpretation CMYK/separated (5) is not supported",
            With(BtBe(), p => p.SetValue(p.Entry(p.Ifd(0), Photometric), 5)));
        Add("sample-format-float-bt-le", "Orientation re-tagged as SampleFormat 3 (IEEE float)", BadInput, "floating-point samples are not supported",
            With(Bt(), p =>
            {
                long e = p.Entry(p.Ifd(0), Orientation);
                p.SetTag(e, SampleFormat);
                p.SetValue(e, 3);
            }));
        Add("tiled-input-bt-le", "Orientation re-tagged as TileWidth (no TileLength)", BadInput, "tiled image with tile size 1x0",
            With(Bt(), p => p.SetTag(p.Entry(p.Ifd(0), Orientation), TileWidth)));

        // --- missing tags ---
        Add("missing-image-width-bt-le", "ImageWidth removed from IFD0", BadInput, "missing required tag ImageWidth",
            With(Bt(), p => p.RemoveEntry(p.Ifd(0), ImageWidth)));
        Add("missing-image-length-ct-be", "ImageLength removed from IFD0", BadInput, "missing required tag ImageLength",
            With(CtBe(), p => p.RemoveEntry(p.Ifd(0), ImageLength)));
        Add("missing-strip-offsets-ct-le", "StripOffsets removed", BadInput, "missing required tag StripOffsets",
            With(Ct(), p => p.RemoveEntry(p.Ifd(0), StripOffsets)));
        Add("missing-strip-bytecounts-bt-be", "StripByteCounts removed", BadInput, "missing required tag StripByteCounts",
            With(BtBe(), p => p.RemoveEntry(p.Ifd(0), StripByteCounts)));

        // --- optional parts damaged: the conversion must still succeed ---
        Add("sis-magic-corrupt-bt-le", "the SIS block's 'SIS0' magic overwritten", Ok, "Olympus SIS block could not be read",
            With(Bt(), p => p.Write((long)p.GetValue(p.Entry(p.Ifd(0), OlympusSis)), "XXXX"u8)));
        Add("sis-calibration-garbage-ct-le", "the SIS calibration record filled with 0xFF", Ok, "Olympus SIS block could not be read",
            With(Ct(), p =>
            {
                long sis = (long)p.GetValue(p.Entry(p.Ifd(0), OlympusSis));
                long cal = BinaryPrimitives.ReadUInt32LittleEndian(p.ToArray().AsSpan((int)sis + 72));
                p.Write(cal, Enumerable.Repeat((byte)0xFF, 112).ToArray());
            }));
        Add("sis-tag-count-huge-bt-le", "the SIS header claims 30000 entries", Ok, "Olympus SIS block could not be read",
            With(Bt(), p => p.Write((long)p.GetValue(p.Entry(p.Ifd(0), OlympusSis)) + 58, [0x30, 0x75])));
        Add("sis-offset-past-eof-bt-be", "the SIS tag points past the end of the file", Ok, "Olympus SIS block could not be read",
            With(BtBe(), p => p.SetValue(p.Entry(p.Ifd(0), OlympusSis), 1UL << 40)));
        Add("exif-offset-past-eof-ct-le", "the EXIF IFD pointer is past the end of the file", Ok, string.Empty,
            With(Ct(), p => p.SetValue(p.Entry(p.Ifd(0), ExifIfd), 0xFFFFFF00)));
        Add("thumbnail-bits-ascii-ct-be", "the thumbnail's BitsPerSample typed ASCII", Ok, "IFD 1 skipped",
            With(CtBe(), p => p.SetType(p.Entry(p.Ifd(1), BitsPerSample), Ascii)));
        Add("thumbnail-strip-past-eof-bt-le", "the 27×25 thumbnail's strip points past the end", Ok, "IFD 1 skipped",
            With(Bt(), p => p.SetValue(p.Entry(p.Ifd(1), StripOffsets), (ulong)p.Length + 10)));

        Lenient(cases, Bt, BtBe);
        return cases;
    }

    /// <summary>
    /// Damage that libtiff, tifffile and vips read past (issue 13): tags the conversion does not need and the chain
    /// after a valid main IFD are warned about and ignored; what the conversion uses stays strict.
    /// </summary>
    private static void Lenient(List<MalformedCase> cases, Func<TiffPatcher> bt, Func<TiffPatcher> btBe)
    {
        const ushort ImageDescription = 270, Model = 272, DateTime = 306, Artist = 315, SubIfds = 330, SLong8 = 17;
        void Add(string name, string damage, int code, string expect, TiffPatcher p, Action<TiffPatcher> change)
        {
            change(p);
            cases.Add(new MalformedCase(name, damage, code, expect, p.ToArray()));
        }

        void Huge(TiffPatcher p, ushort from, ushort tag, ushort type)
        {
            long e = p.Entry(p.Ifd(0), from);
            p.SetTag(e, tag);
            p.SetType(e, type);
            p.SetCount(e, 1UL << 40);
        }

        Add("private-tag-count-2e40-bt-le", "DateTime re-tagged as private tag 65000, LONG8 × 2^40", Ok, "the tag is ignored",
            bt(), p => Huge(p, DateTime, 65000, Long8));
        Add("image-description-count-2e40-bt-be", "Model re-tagged as ImageDescription, ASCII × 2^40", Ok, "the tag is ignored",
            btBe(), p => Huge(p, Model, ImageDescription, Ascii));
        Add("subifds-count-2e40-bt-le", "Artist re-tagged as SubIFDs, LONG8 × 2^40", Ok, "the tag is ignored",
            bt(), p => Huge(p, Artist, SubIfds, Long8));
        Add("next-ifd-2e64-after-main-bt-le", "IFD0's next-IFD pointer is 2^64 - 1", Ok, "the IFD chain after IFD 0 is damaged",
            bt(), p => p.SetNext(p.Ifd(0), ulong.MaxValue));
        Add("strip-offsets-slong8-bt-le", "StripOffsets typed SLONG8", BadInput, "StripOffsets has the signed type SLONG8",
            bt(), p => p.SetType(p.Entry(p.Ifd(0), StripOffsets), SLong8));
        Add("orientation-3-bt-le", "Orientation 3 (stored upside down): turned upright", Ok, string.Empty,
            bt(), p => p.SetValue(p.Entry(p.Ifd(0), Orientation), 3));
    }

    /// <summary>The manifest committed beside the files: one table row per case.</summary>
    public static string Manifest(IReadOnlyList<MalformedCase> cases)
    {
        var sb = new StringBuilder();
        sb.Append("# Malformed-input corpus\n\n");
        sb.Append("Generated by `BtfConvert.Samples.Malformed.MalformedCorpus` (regenerate with\n");
        sb.Append("`dotnet samples/BtfConvert.Samples/bin/Release/net10.0/btf-sample.dll --malformed tests/TestData/malformed`).\n");
        sb.Append("Each file is a valid 64×48 Olympus-like sample (3 strips, thumbnail IFD, SIS, EXIF) damaged in one way;\n");
        sb.Append("suffixes: bt = BigTIFF, ct = classic TIFF, le/be = byte order. A test checks these files equal the generator's output\n");
        sb.Append("and runs each through `btfconvert info` and `btfconvert convert`. Exit 3 = bad input (one error line containing the\n");
        sb.Append("fragment); exit 0 = must still convert (the fragment is a warning).\n\n");
        sb.Append("| file | damage | exit | expected message fragment |\n|---|---|---|---|\n");
        foreach (var c in cases)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {c.FileName} | {c.Damage} | {c.ExitCode} | {c.Expect} |\n");
        }

        return sb.ToString();
    }

    /// <summary>Writes every case and the manifest (README.md) into <paramref name="directory"/>.</summary>
    public static int WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var cases = All();
        foreach (var c in cases)
        {
            File.WriteAllBytes(Path.Combine(directory, c.FileName), c.Bytes);
        }

        File.WriteAllText(Path.Combine(directory, "README.md"), Manifest(cases));
        return cases.Count;
    }
}
