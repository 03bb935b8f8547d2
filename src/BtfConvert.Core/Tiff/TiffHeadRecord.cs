using BtfConvert.Core.IO;
using BtfConvert.Core.Record;

namespace BtfConvert.Core.Tiff;

/// <summary>
/// Reads the output record (<see cref="OutputRecordXmp"/>) from a TIFF's head: the header, IFD0 and its XMP value,
/// which btfconvert outputs keep within their first few KB, so one 64 KiB read finds it (locally or one ranged GET).
/// Anything else — not a TIFF, no XMP, someone else's XMP, a damaged head — is simply "no record".
/// </summary>
internal static class TiffHeadRecord
{
    /// <summary>The first read; a btfconvert output has its record well inside it.</summary>
    public const int HeadReadLength = 64 << 10;

    /// <summary>Largest XMP value looked at (a record is about 1 KB; S3 caps the metadata copy at 2 KB).</summary>
    public const int MaxPacketLength = 256 << 10;

    public static Task<Dictionary<string, string>> ReadAsync(IByteSource source, CancellationToken cancellationToken) =>
        ReadAsync(new CachedReader(source, HeadReadLength), cancellationToken);

    /// <summary>
    /// The record, as <see cref="ReadAsync(IByteSource, CancellationToken)"/>, of a file that is whole; for one cut
    /// short after its head (see <see cref="IsCutShortAsync"/>) only <see cref="OutputRecord.Stale"/> saying so. The
    /// IFD walk goes through the same cache as the head read, so the header and IFD0 are read once.
    /// </summary>
    public static async Task<Dictionary<string, string>> ReadOfWholeFileAsync(IByteSource source, CancellationToken cancellationToken)
    {
        var reader = new CachedReader(source, HeadReadLength);
        var record = await ReadAsync(reader, cancellationToken).ConfigureAwait(false);
        return record.Count > 0 && await IsCutShortAsync(reader, cancellationToken).ConfigureAwait(false)
            ? new Dictionary<string, string> { [OutputRecord.Stale] = "the output is cut short: its tiles run past its end (an interrupted copy?)" }
            : record;
    }

    private static async Task<Dictionary<string, string>> ReadAsync(CachedReader reader, CancellationToken cancellationToken)
    {
        var none = new Dictionary<string, string>();
        var source = reader.Source;
        try
        {
            byte[] start = await reader.ReadAtMostAsync(0, TiffHeader.MaxLength, cancellationToken).ConfigureAwait(false);
            var header = TiffHeader.Parse(start, source.Name);
            long ifd = (long)Math.Min(header.FirstIfdOffset, long.MaxValue);
            byte[] count = await reader.ReadAsync(ifd, header.EntryCountSize, cancellationToken).ConfigureAwait(false);
            ulong entries = TiffDirectoryParser.ReadEntryCount(count, header);
            if (entries > TiffDirectoryParser.MaxEntries)
            {
                return none;
            }

            byte[] table = await reader.ReadAsync(ifd, TiffDirectoryParser.DirectoryLength(entries, header), cancellationToken).ConfigureAwait(false);
            var (parsed, _) = TiffDirectoryParser.Parse(table, header, ifd, source.Name);
            if (parsed.FirstOrDefault(e => e.Tag == TiffTag.XmlPacket) is not { ValueLength: > 0 and <= MaxPacketLength } xmp)
            {
                return none;
            }

            byte[] packet = xmp.InlineData ?? await reader.ReadAsync(xmp.ValueOffset, xmp.ValueLength, cancellationToken).ConfigureAwait(false);
            return OutputRecordXmp.Read(packet);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException)
        {
            return none;
        }
    }

    /// <summary>
    /// True when a tile or strip of the file's IFDs ends past the file's end, or the IFDs cannot be read: an output
    /// cut short after its head. An interrupted copy (<c>cp</c>, <c>rsync</c> without checksums, a full disk) writes
    /// from the start, and btfconvert puts every IFD and the record first, so such a file still has a readable
    /// record that would otherwise count as up to date.
    /// </summary>
    private static async Task<bool> IsCutShortAsync(CachedReader reader, CancellationToken cancellationToken)
    {
        try
        {
            var file = await TiffFileReader.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            ulong length = (ulong)reader.Source.Length;
            foreach (var dir in file.Directories)
            {
                var offsets = (dir[TiffTag.TileOffsets] ?? dir[TiffTag.StripOffsets])?.GetUInt64Array() ?? [];
                var counts = (dir[TiffTag.TileByteCounts] ?? dir[TiffTag.StripByteCounts])?.GetUInt64Array() ?? [];
                for (int i = 0; i < Math.Min(offsets.Length, counts.Length); i++)
                {
                    if (offsets[i] > length || counts[i] > length - offsets[i])
                    {
                        return true;
                    }
                }
            }

            return false;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException or NotSupportedException)
        {
            return true;
        }
    }
}
