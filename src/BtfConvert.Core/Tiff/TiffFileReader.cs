using System.Collections.Frozen;
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
        var walk = new Walk(name, new StrongBox<long>(MaxTotalValueBytes), [], []);
        var visited = new HashSet<ulong>();
        ulong next = header.FirstIfdOffset;
        if (next == 0)
        {
            throw new InvalidDataException($"{name}: the TIFF has no image directory");
        }

        while (next != 0)
        {
            try
            {
                directories.Add(await ReadChainedDirectoryAsync(reader, header, next, visited, directories.Count, walk, cancellationToken)
                    .ConfigureAwait(false));
            }
            catch (Exception e) when (directories.Count > 0 && e is InvalidDataException or EndOfStreamException)
            {
                // Like libtiff and tifffile: a broken link after a good first IFD ends the chain with a warning. The
                // main image is IFD0 (TIFF puts the full resolution first); what is lost is a thumbnail or a label.
                walk.Warnings.Add($"the IFD chain after IFD {directories.Count - 1} is damaged ({Problem(name, e)}); the IFDs from there on are ignored");
                break;
            }

            next = directories[^1].NextOffset;
        }

        return new TiffFileInfo(name, reader.Source.Length, header, directories)
        {
            Warnings = walk.Warnings,
            IgnoredCountFields = walk.IgnoredCountFields,
        };
    }

    /// <summary>What one walk of a file shares: its name, the value budget left, and the warnings so far.</summary>
    private sealed record Walk(string Name, StrongBox<long> Budget, List<string> Warnings, List<(long Offset, int Length)> IgnoredCountFields);

    private static async Task<TiffDirectory> ReadChainedDirectoryAsync(CachedReader reader, TiffHeader header, ulong offset,
        HashSet<ulong> visited, int index, Walk walk, CancellationToken ct)
    {
        string name = walk.Name;
        if (!visited.Add(offset))
        {
            throw new InvalidDataException($"{name}: circular IFD chain (IFD at {offset} is listed twice)");
        }

        if (index == MaxDirectories)
        {
            throw new InvalidDataException($"{name}: more than {MaxDirectories} IFDs");
        }

        var dir = await ReadDirectoryAsync(reader, header, offset, walk, ct).ConfigureAwait(false);
        var exifOffset = dir.GetUInt64(TiffTag.ExifIfd);
        if (exifOffset is > 0)
        {
            dir = new TiffDirectory(dir.Offset, dir.Fields, dir.NextOffset)
            {
                Exif = await TryReadSubDirectoryAsync(reader, header, exifOffset.Value, walk, ct).ConfigureAwait(false),
            };
        }

        return dir;
    }

    /// <summary>An exception's message without the leading "NAME: " (the warning is already about that file).</summary>
    private static string Problem(string name, Exception e) =>
        e.Message.StartsWith(name + ": ", StringComparison.Ordinal) ? e.Message[(name.Length + 2)..] : e.Message;

    /// <summary>
    /// Tags the conversion reads to find and decode the pixels (geometry, layout, strips or tiles, colour). Damage in
    /// one of them fails the file; damage in any other tag (ImageDescription, SubIFDs, private tags, what is only
    /// copied) drops that tag with a warning, as libtiff does, so a good slide is not set aside for its metadata.
    /// </summary>
    internal static readonly FrozenSet<ushort> ConversionTags = new ushort[]
    {
        TiffTag.NewSubfileType, TiffTag.ImageWidth, TiffTag.ImageLength, TiffTag.BitsPerSample, TiffTag.Compression,
        TiffTag.Photometric, TiffTag.FillOrder, TiffTag.StripOffsets, TiffTag.Orientation, TiffTag.SamplesPerPixel,
        TiffTag.RowsPerStrip, TiffTag.StripByteCounts, TiffTag.PlanarConfiguration, TiffTag.Predictor, TiffTag.ColorMap,
        TiffTag.TileWidth, TiffTag.TileLength, TiffTag.TileOffsets, TiffTag.TileByteCounts, TiffTag.ExtraSamples,
        TiffTag.SampleFormat, TiffTag.JpegTables, TiffTag.YCbCrCoefficients, TiffTag.YCbCrSubSampling,
        TiffTag.YCbCrPositioning, TiffTag.ReferenceBlackWhite,
    }.ToFrozenSet();

    private static async Task<TiffDirectory?> TryReadSubDirectoryAsync(
        CachedReader reader, TiffHeader header, ulong offset, Walk walk, CancellationToken ct)
    {
        // EXIF is copied as a courtesy: a damaged one must not fail the conversion.
        try
        {
            return await ReadDirectoryAsync(reader, header, offset, walk, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            return null;
        }
    }

    public static Task<TiffDirectory> ReadDirectoryAsync(CachedReader reader, TiffHeader header, ulong offset, CancellationToken ct) =>
        ReadDirectoryAsync(reader, header, offset, new Walk(reader.Source.Name, new StrongBox<long>(MaxTotalValueBytes), [], []), ct);

    /// <param name="walk">The value budget this file's directories still have (reduced by what this one takes) and the warnings.</param>
    private static async Task<TiffDirectory> ReadDirectoryAsync(
        CachedReader reader, TiffHeader header, ulong offset, Walk walk, CancellationToken ct)
    {
        string name = reader.Source.Name;
        var budget = walk.Budget;
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
            string? damage = e.Damage ?? CheckValue(e, fields, offset, fileLength);
            if (damage is not null)
            {
                if (ConversionTags.Contains(e.Tag))
                {
                    throw new InvalidDataException($"{name}: {damage}");
                }

                walk.Warnings.Add($"IFD at {offset}: {damage}; the tag is ignored");
                walk.IgnoredCountFields.Add((e.At + 4, header.IsBigTiff ? 8 : 4));
                continue;
            }

            Charge(name, budget, EntryOverhead);
            byte[] data;
            if (e.InlineData is not null)
            {
                data = e.InlineData;
            }
            else
            {
                Charge(name, budget, e.ValueLength);
                data = await reader.ReadAsync(e.ValueOffset, e.ValueLength, ct).ConfigureAwait(false);
            }

            fields[e.Tag] = new TiffField(e.Tag, e.Type, e.Count, data, header.LittleEndian);
        }

        return new TiffDirectory(ifdOffset, fields, nextOffset);
    }

    /// <summary>Why an entry's value cannot be taken (a second copy of a tag, a value outside the file or absurdly large); null if it can.</summary>
    private static string? CheckValue(TiffDirectoryParser.RawEntry e, Dictionary<ushort, TiffField> fields, ulong offset, long fileLength)
    {
        if (fields.ContainsKey(e.Tag))
        {
            return $"tag {e.Tag} appears twice in IFD at {offset}";
        }

        if (e.InlineData is not null)
        {
            return null;
        }

        if (e.ValueOffset < 0 || e.ValueOffset > fileLength || e.ValueLength > fileLength - e.ValueOffset)
        {
            return $"value of tag {e.Tag} ({e.ValueLength} bytes at {e.ValueOffset}) is past the end of the file";
        }

        return e.ValueLength > MaxValueLength ? $"value of tag {e.Tag} is implausibly large ({e.ValueLength} bytes)" : null;
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
