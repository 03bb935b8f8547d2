using System.Buffers.Binary;

namespace BtfConvert.Samples;

/// <summary>
/// Writes a seed-like Olympus BTF: strips first (from byte 507, 64 rows each, the last one padded to a full strip),
/// then at the very end the EXIF IFD, the SIS block, IFD0 with its LONG8 offset arrays, the SIS calibration, and
/// the tiny 27×25 16-bit MinIsBlack second IFD with its own EXIF — the order of the real VS120 file described in
/// shared/reference/olympus-vs120-btf.txt. Streams one strip at a time, so any size can be generated with flat
/// memory; the header is written last, once IFD0's offset is known.
/// </summary>
public static class BtfSampleWriter
{
    public const int ThumbnailWidth = 27;
    public const int ThumbnailHeight = 25;

    /// <summary>The thumbnail IFD's RowsPerStrip in the real file (more than its 25 rows).</summary>
    private const int ThumbnailRowsPerStrip = 64;
    private const int SisHeaderLength = 60;
    private const int SisEntryLength = 8;
    private const int SisCalibrationLength = 112;

    public static void Write(string path, SampleSpec spec)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Write(file, spec);
    }

    /// <summary>Writes the sample to a seekable stream positioned at its start.</summary>
    public static void Write(Stream output, SampleSpec spec)
    {
        Validate(spec);
        var pattern = new TissuePattern(spec.Seed, spec.Width, spec.Height, spec.SamplesPerPixel);
        int rowBytes = pattern.RowBytes;
        int strips = (spec.Height + spec.RowsPerStrip - 1) / spec.RowsPerStrip;
        long fullStripBytes = (long)rowBytes * spec.RowsPerStrip;
        var offsets = new long[strips];
        var counts = new long[strips];

        output.Write(new byte[spec.FirstStripOffset]);
        long position = spec.FirstStripOffset;
        var buffer = new byte[fullStripBytes];
        foreach (int s in DiskOrder(strips, spec))
        {
            int firstRow = s * spec.RowsPerStrip;
            int rows = Math.Min(spec.RowsPerStrip, spec.Height - firstRow);
            Parallel.For(0, rows, r => pattern.RenderRow(firstRow + r, buffer.AsSpan(r * rowBytes, rowBytes)));
            long count = spec.FullLastStrip ? fullStripBytes : (long)rows * rowBytes;
            buffer.AsSpan(rows * rowBytes).Clear();
            output.Write(buffer, 0, (int)count);
            offsets[s] = position;
            counts[s] = count;
            position += count;
        }

        WriteTail(output, spec, position, offsets, counts);
    }

    private static void Validate(SampleSpec spec)
    {
        if (spec.Width < 1 || spec.Height < 1 || spec.RowsPerStrip < 1)
        {
            throw new ArgumentException("width, height and rows per strip must be positive");
        }

        if (spec.SamplesPerPixel is not (1 or 3))
        {
            throw new ArgumentException("samples per pixel must be 1 or 3");
        }

        long stripBytes = (long)spec.Width * spec.SamplesPerPixel * spec.RowsPerStrip;
        if (stripBytes > int.MaxValue / 2)
        {
            throw new ArgumentException("a strip would exceed 1 GB; use fewer rows per strip");
        }

        long total = (long)spec.Width * spec.SamplesPerPixel * spec.Height;
        if (!spec.BigTiff && total > uint.MaxValue - (64L << 20))
        {
            throw new ArgumentException("a classic TIFF cannot hold this many bytes; leave BigTIFF on");
        }
    }

    private static IEnumerable<int> DiskOrder(int strips, SampleSpec spec)
    {
        var order = Enumerable.Range(0, strips).ToArray();
        if (spec.StripOrder == StripOrder.Reverse)
        {
            Array.Reverse(order);
        }
        else if (spec.StripOrder == StripOrder.Shuffled)
        {
            new Random(spec.Seed).Shuffle(order);
        }

        return order;
    }

    private static void WriteTail(Stream output, SampleSpec spec, long position, long[] offsets, long[] counts)
    {
        bool big = spec.BigTiff, little = spec.LittleEndian;
        var tail = new MemoryStream();
        long At() => position + tail.Length;
        void Align()
        {
            while (At() % 8 != 0)
            {
                tail.WriteByte(0);
            }
        }

        Align();
        long exifAt = -1, sisAt = -1;
        if (spec.Olympus)
        {
            exifAt = At();
            tail.Write(ExifIfd(big, little, spec).Build(exifAt, 0));
            Align();
            sisAt = At();
            // The SIS entries point at the calibration, written after IFD0; reserve header + entries now.
            tail.Write(new byte[SisHeaderLength + (2 * SisEntryLength)]);
            Align();
        }

        long ifd0At = At();
        var ifd0 = MainIfd(big, little, spec, offsets, counts);
        if (spec.Olympus)
        {
            ifd0.OffsetValue(33560, sisAt).IfdPointer(34665, exifAt);
        }

        long ifd1At = -1;
        byte[] ifd0Bytes = ifd0.Build(ifd0At, 0);
        if (!spec.Olympus)
        {
            tail.Write(ifd0Bytes);
        }
        else
        {
            // Lay out what follows IFD0 first: the next-IFD pointer needs IFD1's offset.
            long calibrationAt = ifd0At + ifd0Bytes.Length;
            long thumbAt = calibrationAt + SisCalibrationLength;
            int thumbCount = ThumbnailRowsPerStrip * ThumbnailWidth * 2;
            long thumbExifAt = Align8(thumbAt + thumbCount);
            byte[] thumbExif = ExifIfd(big, little, spec).Build(thumbExifAt, 0);
            ifd1At = Align8(thumbExifAt + thumbExif.Length);
            tail.Write(ifd0.Build(ifd0At, ifd1At));
            tail.Write(Calibration(spec));
            tail.Write(Thumbnail(little, thumbCount));
            Pad(tail, thumbExifAt - At());
            tail.Write(thumbExif);
            Pad(tail, ifd1At - At());
            var ifd1 = new IfdBuilder(big, little)
                .Long(256, ThumbnailWidth).Long(257, ThumbnailHeight).Short(258, 16).Short(259, 1).Short(262, 1)
                .Offsets(273, [thumbAt]).Short(274, 1).Short(277, 1).Long(278, ThumbnailRowsPerStrip)
                .Long(279, (uint)thumbCount).Rational(282, 72, 1).Rational(283, 72, 1).Short(284, 1).Short(296, 2)
                .IfdPointer(34665, thumbExifAt);
            Provenance(ifd1);
            tail.Write(ifd1.Build(ifd1At, 0));
            WriteSisHeader(tail, (int)(sisAt - position), calibrationAt, thumbAt);
        }

        output.Write(tail.GetBuffer(), 0, (int)tail.Length);
        output.Position = 0;
        output.Write(Header(big, little, ifd0At));
        output.Flush();
    }

    private static IfdBuilder MainIfd(bool big, bool little, SampleSpec spec, long[] offsets, long[] counts)
    {
        int spp = spec.SamplesPerPixel;
        var ifd = new IfdBuilder(big, little)
            .Long(256, (uint)spec.Width).Long(257, (uint)spec.Height)
            .Short(258, Enumerable.Repeat((ushort)8, spp).ToArray()).Short(259, 1).Short(262, spp == 3 ? (ushort)2 : (ushort)1)
            .Offsets(273, offsets).Short(274, 1).Short(277, (ushort)spp).Long(278, (uint)spec.RowsPerStrip)
            .Long(279, counts.Select(c => checked((uint)c)).ToArray())
            .Rational(282, 72, 1).Rational(283, 72, 1).Short(284, 1).Short(296, 2);
        if (spec.Olympus)
        {
            Provenance(ifd);
        }

        return ifd;
    }

    private static void Provenance(IfdBuilder ifd) => ifd
        .Ascii(271, "Olympus Soft Imaging Solutions").Ascii(272, "VC50").Ascii(306, "2021:06:06 08:59:25").Ascii(315, "VS120");

    private static IfdBuilder ExifIfd(bool big, bool little, SampleSpec spec) => new IfdBuilder(big, little)
        .Rational(33434, 103, 50000).Undefined(36864, "0210"u8.ToArray()).Ascii(36868, "2021:06:06 08:59:25")
        .Rational(37378, 3, 4).Rational(37382, 3, 5000).Short(37383, 1).Undefined(40960, "0100"u8.ToArray())
        .Short(40961, 1).Long(40962, (uint)spec.Width).Long(40963, (uint)spec.Height).Short(41986, 1);

    /// <summary>SIS header and entry table (always little-endian, as tifffile reads it); offsets are 32-bit.</summary>
    private static void WriteSisHeader(MemoryStream tail, int at, long calibrationAt, long otherAt)
    {
        var sis = tail.GetBuffer().AsSpan(at, SisHeaderLength + (2 * SisEntryLength));
        "SIS0"u8.CopyTo(sis);
        BinaryPrimitives.WriteInt16LittleEndian(sis[10..], 59);
        BinaryPrimitives.WriteInt16LittleEndian(sis[12..], 8);
        BinaryPrimitives.WriteInt16LittleEndian(sis[14..], 6);
        BinaryPrimitives.WriteInt16LittleEndian(sis[16..], 5);
        BinaryPrimitives.WriteInt16LittleEndian(sis[18..], 121);
        "btf-sample"u8.CopyTo(sis[26..]);
        BinaryPrimitives.WriteInt16LittleEndian(sis[58..], 2);
        // An unrelated entry first, as real blocks hold several; only tagtype 1 is the calibration.
        BinaryPrimitives.WriteInt16LittleEndian(sis[60..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(sis[62..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(sis[64..], (uint)(otherAt & 0xFFFFFFFF));
        BinaryPrimitives.WriteInt16LittleEndian(sis[68..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(sis[70..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(sis[72..], (uint)(calibrationAt & 0xFFFFFFFF));
    }

    private static byte[] Calibration(SampleSpec spec)
    {
        var cal = new byte[SisCalibrationLength];
        BinaryPrimitives.WriteInt16LittleEndian(cal.AsSpan(10), -6);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(12), spec.MicronsPerPixel);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(20), spec.MicronsPerPixel);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(36), 20);
        "VC50"u8.CopyTo(cal.AsSpan(46));
        "brightfield"u8.CopyTo(cal.AsSpan(80));
        return cal;
    }

    /// <summary>A 16-bit gradient, stored with a byte count that covers a full 64-row strip like the real one.</summary>
    private static byte[] Thumbnail(bool little, int count)
    {
        var thumb = new byte[count];
        for (int i = 0; i < ThumbnailWidth * ThumbnailHeight; i++)
        {
            ushort v = (ushort)(1000 + (i * 7));
            if (little)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(thumb.AsSpan(i * 2), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(thumb.AsSpan(i * 2), v);
            }
        }

        return thumb;
    }

    private static byte[] Header(bool big, bool little, long ifd0At)
    {
        var h = new byte[big ? 16 : 8];
        h[0] = h[1] = little ? (byte)'I' : (byte)'M';
        if (little)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(2), (ushort)(big ? 43 : 42));
            if (big)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 8);
                BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(8), (ulong)ifd0At);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), checked((uint)ifd0At));
            }
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)(big ? 43 : 42));
            if (big)
            {
                BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), 8);
                BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(8), (ulong)ifd0At);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), checked((uint)ifd0At));
            }
        }

        return h;
    }

    private static long Align8(long value) => (value + 7) / 8 * 8;

    private static void Pad(Stream s, long count)
    {
        for (long i = 0; i < count; i++)
        {
            s.WriteByte(0);
        }
    }
}
