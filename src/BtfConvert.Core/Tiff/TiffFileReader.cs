using System.Runtime.CompilerServices;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Tiff;

/// <summary>Walks a TIFF's IFD chain with bounded, validated reads. Pixel data is not touched here.</summary>
internal static class TiffFileReader
{
    /// <summary>Longest IFD chain accepted; guards against loops that revisit no offset but never end.</summary>
    public const int MaxDirectories = 1024;

    /// <summary>Largest single tag value read (a 1M-tile offset array is 8 MB); larger is treated as damage.</summary>
    public const long MaxValueLength = 64L << 20;

    /// <summary>
    /// Most memory the parsed directories of one file may hold: every out-of-line value plus a per-entry charge.
    /// Each value is checked against the file size, but up to 1024 IFDs may all point at the same large region;
    /// without a total a 70 MB file could make the walk retain tens of GB. Real inputs need well under 1 MiB
    /// (a few thousand strip offsets).
    /// </summary>
    public const long MaxTotalValueBytes = 128L << 20;

    /// <summary>What an entry costs against <see cref="MaxTotalValueBytes"/> beyond its value (the objects holding it).</summary>
    private const int EntryOverhead = 64;

    public static async Task<TiffFileInfo> ReadAsync(CachedReader reader, CancellationToken cancellationToken)
    {
        string name = reader.Source.Name;
        byte[] headerBytes = await reader.ReadAtMostAsync(0, TiffHeader.MaxLength, cancellationToken).ConfigureAwait(false);
        var header = TiffHeader.Parse(headerBytes, name);

        var directories = new List<TiffDirectory>();
        var budget = new StrongBox<long>(MaxTotalValueBytes);
        var visited = new HashSet<ulong>();
        ulong next = header.FirstIfdOffset;
        if (next == 0)
        {
            throw new InvalidDataException($"{name}: the TIFF has no image directory");
        }

        while (next != 0)
        {
            if (!visited.Add(next))
            {
                throw new InvalidDataException($"{name}: circular IFD chain (IFD at {next} is listed twice)");
            }

            if (directories.Count == MaxDirectories)
            {
                throw new InvalidDataException($"{name}: more than {MaxDirectories} IFDs");
            }

            var dir = await ReadDirectoryAsync(reader, header, next, budget, cancellationToken).ConfigureAwait(false);
            var exifOffset = dir.GetUInt64(TiffTag.ExifIfd);
            if (exifOffset is > 0)
            {
                dir = new TiffDirectory(dir.Offset, dir.Fields, dir.NextOffset)
                {
                    Exif = await TryReadSubDirectoryAsync(reader, header, exifOffset.Value, budget, cancellationToken).ConfigureAwait(false),
                };
            }

            directories.Add(dir);
            next = dir.NextOffset;
        }

        return new TiffFileInfo(name, reader.Source.Length, header, directories);
    }

    private static async Task<TiffDirectory?> TryReadSubDirectoryAsync(
        CachedReader reader, TiffHeader header, ulong offset, StrongBox<long> budget, CancellationToken ct)
    {
        // EXIF is copied as a courtesy: a damaged one must not fail the conversion.
        try
        {
            return await ReadDirectoryAsync(reader, header, offset, budget, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            return null;
        }
    }

    public static Task<TiffDirectory> ReadDirectoryAsync(CachedReader reader, TiffHeader header, ulong offset, CancellationToken ct) =>
        ReadDirectoryAsync(reader, header, offset, new StrongBox<long>(MaxTotalValueBytes), ct);

    /// <param name="budget">Bytes the directories of this file may still hold; reduced by what this one takes.</param>
    private static async Task<TiffDirectory> ReadDirectoryAsync(
        CachedReader reader, TiffHeader header, ulong offset, StrongBox<long> budget, CancellationToken ct)
    {
        string name = reader.Source.Name;
        long fileLength = reader.Source.Length;
        if (offset > (ulong)fileLength || (long)offset + header.EntryCountSize > fileLength)
        {
            throw new InvalidDataException(
                $"{name}: IFD offset {offset} is past the end of the file ({fileLength} bytes); the file is truncated or damaged");
        }

        long ifdOffset = (long)offset;
        byte[] countBytes = await reader.ReadAsync(ifdOffset, header.EntryCountSize, ct).ConfigureAwait(false);
        ulong count = TiffDirectoryParser.ReadEntryCount(countBytes, header);
        if (count == 0)
        {
            throw new InvalidDataException($"{name}: IFD at {offset} has no entries");
        }

        if (count > TiffDirectoryParser.MaxEntries)
        {
            throw new InvalidDataException($"{name}: IFD at {offset} claims {count} entries (damaged)");
        }

        long length = TiffDirectoryParser.DirectoryLength(count, header);
        if (ifdOffset + length > fileLength)
        {
            throw new InvalidDataException($"{name}: IFD at {offset} with {count} entries runs past the end of the file");
        }

        byte[] bytes = await reader.ReadAsync(ifdOffset, length, ct).ConfigureAwait(false);
        var (entries, nextOffset) = TiffDirectoryParser.Parse(bytes, header, ifdOffset, name);
        var fields = new Dictionary<ushort, TiffField>(entries.Count);
        foreach (var e in entries)
        {
            if (fields.ContainsKey(e.Tag))
            {
                throw new InvalidDataException($"{name}: tag {e.Tag} appears twice in IFD at {offset}");
            }

            Charge(name, budget, EntryOverhead);
            byte[] data;
            if (e.InlineData is not null)
            {
                data = e.InlineData;
            }
            else
            {
                if (e.ValueOffset < 0 || e.ValueOffset > fileLength || e.ValueLength > fileLength - e.ValueOffset)
                {
                    throw new InvalidDataException(
                        $"{name}: value of tag {e.Tag} ({e.ValueLength} bytes at {e.ValueOffset}) is past the end of the file");
                }

                if (e.ValueLength > MaxValueLength)
                {
                    throw new InvalidDataException($"{name}: value of tag {e.Tag} is implausibly large ({e.ValueLength} bytes)");
                }

                Charge(name, budget, e.ValueLength);
                data = await reader.ReadAsync(e.ValueOffset, e.ValueLength, ct).ConfigureAwait(false);
            }

            fields[e.Tag] = new TiffField(e.Tag, e.Type, e.Count, data, header.LittleEndian);
        }

        return new TiffDirectory(ifdOffset, fields, nextOffset);
    }

    private static void Charge(string name, StrongBox<long> budget, long bytes)
    {
        budget.Value -= bytes;
        if (budget.Value < 0)
        {
            throw new InvalidDataException(
                $"{name}: the IFDs hold more than {MaxTotalValueBytes >> 20} MiB of tag values (damaged, or IFDs sharing one huge value)");
        }
    }
}
