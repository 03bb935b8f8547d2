namespace BtfConvert.Core.Tiff;

/// <summary>
/// Pure parsing of an IFD's entry table. Values that fit in an entry are returned inline; larger ones are returned
/// as (offset, length) for the caller to fetch, so this type never does I/O.
/// </summary>
internal static class TiffDirectoryParser
{
    /// <summary>Largest entry count accepted; real files have a few dozen, libtiff caps at 65535 too.</summary>
    public const int MaxEntries = 4096;

    /// <summary>Reads the entry count at the start of an IFD.</summary>
    public static ulong ReadEntryCount(ReadOnlySpan<byte> bytes, TiffHeader header)
    {
        var r = new EndianReader(header.LittleEndian);
        return header.IsBigTiff ? r.UInt64(bytes) : r.UInt16(bytes);
    }

    /// <summary>Bytes of an IFD with <paramref name="entryCount"/> entries, including count and next pointer.</summary>
    public static long DirectoryLength(ulong entryCount, TiffHeader header) =>
        header.EntryCountSize + ((long)entryCount * header.EntrySize) + header.OffsetSize;

    /// <summary>Parses the entries and the next-IFD pointer of an IFD whose bytes are all in <paramref name="bytes"/>.</summary>
    public static (List<RawEntry> Entries, ulong NextOffset) Parse(
        ReadOnlySpan<byte> bytes, TiffHeader header, long ifdOffset, string name)
    {
        var r = new EndianReader(header.LittleEndian);
        ulong count = ReadEntryCount(bytes, header);
        var entries = new List<RawEntry>((int)count);
        int pos = header.EntryCountSize;
        for (ulong i = 0; i < count; i++, pos += header.EntrySize)
        {
            ReadOnlySpan<byte> e = bytes.Slice(pos, header.EntrySize);
            long at = (long)ifdOffset + pos;
            ushort tag = r.UInt16(e);
            var type = (TiffFieldType)r.UInt16(e[2..]);
            ulong n = header.IsBigTiff ? r.UInt64(e[4..]) : r.UInt32(e[4..]);
            ReadOnlySpan<byte> valueArea = e[(header.IsBigTiff ? 12 : 8)..];
            int elementSize = type.ElementSize();
            if (elementSize == 0)
            {
                // Unknown types are skipped as libtiff does; they cannot be one of the tags we need.
                continue;
            }

            if (n > long.MaxValue / (ulong)elementSize)
            {
                // The reader decides: fatal for a tag the conversion needs, a warning for any other.
                entries.Add(new RawEntry(tag, type, n, null, -1, -1)
                {
                    Damage = $"tag {tag} in IFD at {ifdOffset} has an impossible count {n} (overflow)",
                    At = at,
                });
                continue;
            }

            long length = (long)n * elementSize;
            if (length <= header.OffsetSize)
            {
                entries.Add(new RawEntry(tag, type, n, valueArea[..(int)length].ToArray(), -1, length) { At = at });
            }
            else
            {
                long valueOffset = (long)(header.IsBigTiff ? r.UInt64(valueArea) : r.UInt32(valueArea));
                string? damage = header.IsBigTiff && r.UInt64(valueArea) > long.MaxValue
                    ? $"tag {tag} in IFD at {ifdOffset} points past any file"
                    : null;
                entries.Add(new RawEntry(tag, type, n, null, valueOffset, length) { Damage = damage, At = at });
            }
        }

        ulong next = header.IsBigTiff ? r.UInt64(bytes[pos..]) : r.UInt32(bytes[pos..]);
        return (entries, next);
    }

    /// <summary>An entry as stored: either its inline bytes or where its bytes are.</summary>
    internal readonly record struct RawEntry(
        ushort Tag, TiffFieldType Type, ulong Count, byte[]? InlineData, long ValueOffset, long ValueLength)
    {
        /// <summary>Why the entry cannot be read (a count that overflows, an offset past any file); null when it can.</summary>
        public string? Damage { get; init; }

        /// <summary>Where the entry itself is in the file (its count field is 4 bytes further).</summary>
        public long At { get; init; }
    }
}
