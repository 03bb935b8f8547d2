using System.Runtime.CompilerServices;

namespace BtfConvert.Core.Encoding;

/// <summary>
/// Moves the tables every JPEG tile repeats into one TIFF JPEGTables tag (347), as libtiff and GDAL write it: the
/// tag holds an "abbreviated table specification" (SOI, DQT/DHT segments, EOI) and each tile keeps only the segments
/// that differ. At 8.5 KB per tile the ~570 bytes of tables are ~7% of the output. Readers built on libtiff or
/// libjpeg (OpenSlide, vips, GDAL, LibTiff.NET) load the tag's tables before each tile; a tile that still carries its
/// own tables simply overrides them, so dropping only byte-identical segments is always safe.
/// </summary>
internal static class JpegTablesSplitter
{
    private const byte MarkerPrefix = 0xFF;
    private const byte Soi = 0xD8;
    private const byte Eoi = 0xD9;
    private const byte Sos = 0xDA;
    private const byte Dqt = 0xDB;
    private const byte Dht = 0xC4;
    private const byte App0 = 0xE0;

    /// <summary>SOI + every DQT and DHT segment of <paramref name="jpeg"/> (in stream order) + EOI.</summary>
    /// <exception cref="InvalidDataException">Not a JPEG stream this splitter understands.</exception>
    public static byte[] ExtractTables(ReadOnlySpan<byte> jpeg)
    {
        var tables = new List<byte>(1024) { MarkerPrefix, Soi };
        foreach (var (marker, start, length) in HeaderSegments(jpeg))
        {
            if (marker is Dqt or Dht)
            {
                tables.AddRange(jpeg.Slice(start, length));
            }
        }

        tables.Add(MarkerPrefix);
        tables.Add(Eoi);
        return [.. tables];
    }

    /// <summary>
    /// Removes from the stream in <paramref name="jpeg"/> (first <paramref name="length"/> bytes) the DQT/DHT
    /// segments also found, byte for byte, in <paramref name="tables"/>, and the JFIF APP0 segment (TIFF says what the
    /// colour space is). Works in place; returns the new length. Allocation-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Abbreviate(Span<byte> jpeg, int length, ReadOnlySpan<byte> tables)
    {
        var stream = jpeg[..length];
        int write = 2;
        int read = 2;
        foreach (var (marker, start, segmentLength) in HeaderSegments(stream))
        {
            var segment = stream.Slice(start, segmentLength);
            bool drop = marker == App0 || (marker is Dqt or Dht && ContainsSegment(tables, segment));
            if (!drop)
            {
                if (write != start)
                {
                    segment.CopyTo(jpeg[write..]);
                }

                write += segmentLength;
            }

            read = start + segmentLength;
        }

        // SOS and the entropy-coded data up to EOI stay as they are.
        int rest = length - read;
        if (write != read)
        {
            stream[read..].CopyTo(jpeg[write..]);
        }

        return write + rest;
    }

    private static bool ContainsSegment(ReadOnlySpan<byte> tables, ReadOnlySpan<byte> segment)
    {
        foreach (var (_, start, length) in HeaderSegments(tables))
        {
            if (length == segment.Length && tables.Slice(start, length).SequenceEqual(segment))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The marker segments between SOI and SOS (or EOI): marker, start of FF, length including FF xx.</summary>
    private static SegmentEnumerator HeaderSegments(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != MarkerPrefix || jpeg[1] != Soi)
        {
            throw new InvalidDataException("JPEG encoder output does not start with SOI");
        }

        return new SegmentEnumerator(jpeg);
    }

    private ref struct SegmentEnumerator(ReadOnlySpan<byte> jpeg)
    {
        private readonly ReadOnlySpan<byte> _jpeg = jpeg;
        private int _next = 2;

        public (byte Marker, int Start, int Length) Current { get; private set; }

        public readonly SegmentEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_next + 4 > _jpeg.Length || _jpeg[_next] != MarkerPrefix)
            {
                return false;
            }

            byte marker = _jpeg[_next + 1];
            if (marker is Sos or Eoi)
            {
                return false;
            }

            int length = 2 + ((_jpeg[_next + 2] << 8) | _jpeg[_next + 3]);
            if (_next + length > _jpeg.Length)
            {
                throw new InvalidDataException("JPEG marker segment runs past the end of the stream");
            }

            Current = (marker, _next, length);
            _next += length;
            return true;
        }
    }
}
