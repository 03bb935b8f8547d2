using System.Buffers.Binary;

namespace BtfConvert.Core.Tests.Support;

/// <summary>
/// Writes a sparse file with exactly the directory structure of the real Olympus VS120 slide in
/// shared/reference/olympus-vs120-btf.txt: 45048×40466 RGB, 633 strips of 64 rows with LONG8 offsets from byte 507
/// and LONG byte counts (the last one larger than its 18 rows need), EXIF IFD at 5474961920, SIS block at
/// 5474963016 (past 4 GiB, so its 32-bit offsets are truncated), IFD0 at 5474963136, the 27×25 16-bit thumbnail
/// strip at 5474988870, its EXIF at 5474992408 and IFD1 at 5474992648. Pixel data are holes (zeros), so the
/// 5.5 GB file costs no disk space.
/// </summary>
public static class OlympusReplica
{
    public const int Width = 45048;
    public const int Height = 40466;
    public const long Ifd0Offset = 5474963136;
    public const long ExifOffset = 5474961920;
    public const long SisOffset = 5474963016;
    public const long ThumbStripOffset = 5474988870;
    public const long ThumbExifOffset = 5474992408;
    public const long Ifd1Offset = 5474992648;
    public const double MicronsPerPixel = 0.3448;
    private const int Strips = 633;
    private const int StripBytes = 8649216;

    public static void Write(string path)
    {
        using var f = new FileStream(path, FileMode.Create, FileAccess.ReadWrite);
        var header = new byte[16];
        "II"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), 43);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), (ulong)Ifd0Offset);
        WriteAt(f, 0, header);

        WriteAt(f, ExifOffset, ExifIfd(ExifOffset));
        WriteAt(f, ThumbExifOffset, ExifIfd(ThumbExifOffset));

        // IFD0 with its out-of-line values right after it.
        long valuesAt = Ifd0Offset + 8 + (20 * 20) + 8;
        var offsets = new byte[Strips * 8];
        var counts = new byte[Strips * 4];
        for (int s = 0; s < Strips; s++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(offsets.AsSpan(s * 8), (ulong)(507L + ((long)s * StripBytes)));
            BinaryPrimitives.WriteUInt32LittleEndian(counts.AsSpan(s * 4), StripBytes);
        }

        byte[] make = Ascii("Olympus Soft Imaging Solutions");
        byte[] date = Ascii("2021:06:06 08:59:25");
        long makeAt = valuesAt, offsetsAt = makeAt + 32, countsAt = offsetsAt + offsets.Length, dateAt = countsAt + counts.Length;
        long calibrationAt = dateAt + 24;
        WriteAt(f, makeAt, make);
        WriteAt(f, offsetsAt, offsets);
        WriteAt(f, countsAt, counts);
        WriteAt(f, dateAt, date);
        var ifd0 = new Ifd()
            .Long(256, Width).Long(257, Height).Raw(258, 3, 3, [8, 0, 8, 0, 8, 0]).Short(259, 1).Short(262, 2)
            .Pointer(271, 2, make.Length, makeAt).Raw(272, 2, 5, Ascii("VC50"))
            .Pointer(273, 16, Strips, offsetsAt).Short(274, 1).Short(277, 3).Long(278, 64)
            .Pointer(279, 4, Strips, countsAt).Rational(282, 72, 1).Rational(283, 72, 1).Short(284, 1).Short(296, 2)
            .Pointer(306, 2, date.Length, dateAt).Raw(315, 2, 6, Ascii("VS120"))
            .Long8(33560, SisOffset).Long8(34665, ExifOffset, type: 18);
        WriteAt(f, Ifd0Offset, ifd0.Build(next: Ifd1Offset));

        // SIS: header, one calibration entry whose 32-bit offset lost its high bits, calibration after IFD0's values.
        var sis = new byte[60 + 8];
        "SIS0"u8.CopyTo(sis);
        BinaryPrimitives.WriteInt16LittleEndian(sis.AsSpan(10), 59);
        BinaryPrimitives.WriteInt16LittleEndian(sis.AsSpan(12), 8);
        BinaryPrimitives.WriteInt16LittleEndian(sis.AsSpan(14), 6);
        BinaryPrimitives.WriteInt16LittleEndian(sis.AsSpan(16), 5);
        BinaryPrimitives.WriteInt16LittleEndian(sis.AsSpan(18), 121);
        "hu_prostate_01"u8.CopyTo(sis.AsSpan(26));
        BinaryPrimitives.WriteInt16LittleEndian(sis.AsSpan(58), 1);
        BinaryPrimitives.WriteInt16LittleEndian(sis.AsSpan(60), 1);
        BinaryPrimitives.WriteInt16LittleEndian(sis.AsSpan(62), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(sis.AsSpan(64), (uint)(calibrationAt & 0xFFFFFFFF));
        WriteAt(f, SisOffset, sis);
        var cal = new byte[112];
        BinaryPrimitives.WriteInt16LittleEndian(cal.AsSpan(10), -6);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(12), MicronsPerPixel);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(20), MicronsPerPixel);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(36), 20);
        "VC50"u8.CopyTo(cal.AsSpan(46));
        WriteAt(f, calibrationAt, cal);

        // The thumbnail: 27×25 16-bit gradient; its byte count (3456) covers 64 rows, more than its 25.
        var thumb = new byte[3456];
        for (int i = 0; i < 27 * 25; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(thumb.AsSpan(i * 2), (ushort)(1000 + (i * 7)));
        }

        WriteAt(f, ThumbStripOffset, thumb);
        long thumbValues = Ifd1Offset + 8 + (19 * 20) + 8;
        long thumbMakeAt = thumbValues, thumbDateAt = thumbMakeAt + 32;
        WriteAt(f, thumbMakeAt, make);
        WriteAt(f, thumbDateAt, date);
        var ifd1 = new Ifd()
            .Long(256, 27).Long(257, 25).Short(258, 16).Short(259, 1).Short(262, 1)
            .Pointer(271, 2, make.Length, thumbMakeAt).Raw(272, 2, 5, Ascii("VC50"))
            .Long8(273, ThumbStripOffset).Short(274, 1).Short(277, 1).Long(278, 64).Long(279, 3456)
            .Rational(282, 72, 1).Rational(283, 72, 1).Short(284, 1).Short(296, 2)
            .Pointer(306, 2, date.Length, thumbDateAt).Raw(315, 2, 6, Ascii("VS120"))
            .Long8(34665, ThumbExifOffset, type: 18);
        WriteAt(f, Ifd1Offset, ifd1.Build(next: 0));
    }

    private static byte[] ExifIfd(long at)
    {
        var exif = new Ifd()
            .Rational(33434, 103, 50000).Raw(36864, 7, 4, "0210"u8.ToArray())
            .Raw(36868, 2, 20, [.. Ascii("2021:06:06 08:59:25")]).Rational(37378, 3, 4).Rational(37382, 3, 5000)
            .Short(37383, 1).Raw(40960, 7, 4, "0100"u8.ToArray()).Short(40961, 1).Long(40962, Width).Long(40963, Height)
            .Short(41986, 1);
        // CreateDate does not fit inline: point it just after this IFD.
        long dateAt = at + 8 + (11 * 20) + 8;
        exif.Pointer(36868, 2, 20, dateAt);
        return [.. exif.Build(next: 0), .. Ascii("2021:06:06 08:59:25")];
    }

    private static byte[] Ascii(string s) => [.. System.Text.Encoding.ASCII.GetBytes(s), 0];

    private static void WriteAt(FileStream f, long offset, byte[] bytes)
    {
        f.Position = offset;
        f.Write(bytes);
    }

    private sealed class Ifd
    {
        private readonly SortedDictionary<ushort, byte[]> _entries = [];

        public Ifd Short(ushort tag, ushort v) => Raw(tag, 3, 1, BitConverter.GetBytes(v));

        public Ifd Long(ushort tag, uint v) => Raw(tag, 4, 1, BitConverter.GetBytes(v));

        public Ifd Rational(ushort tag, uint n, uint d) => Raw(tag, 5, 1, [.. BitConverter.GetBytes(n), .. BitConverter.GetBytes(d)]);

        public Ifd Long8(ushort tag, long v, ushort type = 16) => Raw(tag, type, 1, BitConverter.GetBytes(v));

        public Ifd Pointer(ushort tag, ushort type, long count, long offset)
        {
            var e = new byte[20];
            BinaryPrimitives.WriteUInt16LittleEndian(e, tag);
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(2), type);
            BinaryPrimitives.WriteUInt64LittleEndian(e.AsSpan(4), (ulong)count);
            BinaryPrimitives.WriteUInt64LittleEndian(e.AsSpan(12), (ulong)offset);
            _entries[tag] = e;
            return this;
        }

        public Ifd Raw(ushort tag, ushort type, long count, byte[] inline)
        {
            var e = new byte[20];
            BinaryPrimitives.WriteUInt16LittleEndian(e, tag);
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(2), type);
            BinaryPrimitives.WriteUInt64LittleEndian(e.AsSpan(4), (ulong)count);
            if (inline.Length <= 8)
            {
                inline.CopyTo(e.AsSpan(12));
            }

            _entries[tag] = e;
            return this;
        }

        public byte[] Build(long next)
        {
            var bytes = new byte[8 + (_entries.Count * 20) + 8];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)_entries.Count);
            int pos = 8;
            foreach (var e in _entries.Values)
            {
                e.CopyTo(bytes, pos);
                pos += 20;
            }

            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(pos), (ulong)next);
            return bytes;
        }
    }
}
