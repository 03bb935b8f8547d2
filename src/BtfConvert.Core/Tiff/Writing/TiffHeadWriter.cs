using System.Buffers.Binary;

namespace BtfConvert.Core.Tiff.Writing;

/// <summary>
/// Lays out and serializes the head of a web-optimized TIFF: the header, then EVERY IFD with its out-of-line values
/// (EXIF IFD after its parent), then every IFD's TileOffsets/TileByteCounts (smallest level first), then blobs
/// (associated images' pixels), padded to 16 bytes. Tile data follows the head.
/// This is written by hand rather than with LibTiff.NET because libtiff writes each IFD after its image data
/// (at the end for a streamed file), which makes a remote reader fetch the directory chain from all over the
/// file; here every directory comes first, so one small range read gets them all, and since the head's size is
/// fixed by the tile counts, it can be reserved before the first tile and filled in after the last.
/// </summary>
internal sealed class TiffHeadWriter
{
    // Classic or BigTIFF is chosen once: the header says how wide counts, entries and offsets are; only IFD
    // alignment is the writer's own choice (8 for BigTIFF's 8-byte fields, else the 2 TIFF requires).
    private readonly TiffHeader _format;
    private readonly int _ifdAlignment;
    private readonly IReadOnlyList<IfdSpec> _chain;
    private readonly IReadOnlyList<byte[]> _blobs;
    private readonly Dictionary<object, long> _positions = new(ReferenceEqualityComparer.Instance);

    public TiffHeadWriter(bool bigTiff, IReadOnlyList<IfdSpec> chain, IReadOnlyList<byte[]> blobs)
    {
        if (chain.Count == 0)
        {
            throw new ArgumentException("a TIFF needs at least one IFD", nameof(chain));
        }

        _format = new TiffHeader(LittleEndian: true, IsBigTiff: bigTiff, FirstIfdOffset: 0);
        _ifdAlignment = bigTiff ? 8 : 2;
        _chain = chain;
        _blobs = blobs;
        long pos = _format.Length;
        foreach (var ifd in chain)
        {
            pos = LayoutIfd(ifd, pos);
        }

        // The tile arrays after every IFD (as GDAL's COG does), the smallest level's first. Between IFD 0 and IFD 1,
        // level 0's arrays (330 KB at the real slide size) pushed the other IFDs past GDAL's first 16 KB read and cost
        // two more GETs on open; now every IFD and the small levels' arrays are in the first few KB.
        foreach (var ifd in chain.Reverse())
        {
            foreach (var value in ifd.Entries.Values.Where(v => v.IsTileArray && v.Length(BigTiff) > _format.OffsetSize))
            {
                pos = Align(pos, 2);
                _positions[value] = pos;
                pos += value.Length(BigTiff);
            }
        }

        foreach (var blob in blobs)
        {
            pos = Align(pos, 2);
            _positions[blob] = pos;
            pos += blob.Length;
        }

        Length = checked((int)Align(pos, 16));
    }

    /// <summary>Bytes of the head; tile data starts here.</summary>
    public int Length { get; }

    public long PositionOf(object ifdOrBlob) => _positions[ifdOrBlob];

    private bool BigTiff => _format.IsBigTiff;

    private long LayoutIfd(IfdSpec ifd, long pos)
    {
        pos = Align(pos, _ifdAlignment);
        _positions[ifd] = pos;
        pos += _format.EntryCountSize + (ifd.Entries.Count * _format.EntrySize) + _format.OffsetSize;
        // The IFD's values but its tile arrays, smallest first: the output record (XMP) lies in the first few KB.
        foreach (var value in ifd.Entries.Values.Where(v => !v.IsTileArray).OrderBy(v => v.Length(BigTiff)))
        {
            long length = value.Length(BigTiff);
            if (length > _format.OffsetSize)
            {
                pos = Align(pos, 2);
                _positions[value] = pos;
                pos += length;
            }
        }

        return ifd.Exif is null ? pos : LayoutIfd(ifd.Exif, pos);
    }

    /// <summary>Serializes the head with the current contents of every value (tile offset arrays included).</summary>
    public byte[] Write()
    {
        var head = new byte[Length];
        var span = head.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, TiffConstants.LittleEndianMark);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], BigTiff ? TiffConstants.BigTiffVersion : TiffConstants.ClassicVersion);
        if (BigTiff)
        {
            // BigTIFF's header adds the offset size (8) and a reserved 0 before the first IFD's offset.
            BinaryPrimitives.WriteUInt16LittleEndian(span[4..], 8);
        }

        WriteUnsigned(span[(_format.Length - _format.OffsetSize)..], (ulong)_positions[_chain[0]], _format.OffsetSize);
        for (int i = 0; i < _chain.Count; i++)
        {
            WriteIfd(span, _chain[i], i + 1 < _chain.Count ? _positions[_chain[i + 1]] : 0);
        }

        foreach (var blob in _blobs)
        {
            blob.CopyTo(span[(int)_positions[blob]..]);
        }

        return head;
    }

    private void WriteIfd(Span<byte> head, IfdSpec ifd, long next)
    {
        int pos = (int)_positions[ifd];
        WriteUnsigned(head[pos..], (ulong)ifd.Entries.Count, _format.EntryCountSize);
        pos += _format.EntryCountSize;
        foreach (var (tag, value) in ifd.Entries)
        {
            var entry = head.Slice(pos, _format.EntrySize);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, tag);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], (ushort)value.Type(BigTiff));
            // tag (2) + type (2) + count (4 or 8) + value or offset (4 or 8)
            WriteUnsigned(entry[4..], (ulong)value.Count, _format.OffsetSize);
            var valueArea = entry[(4 + _format.OffsetSize)..];
            if (value.Length(BigTiff) <= _format.OffsetSize)
            {
                value.Write(valueArea, BigTiff, PositionOf);
            }
            else
            {
                long at = _positions[value];
                WriteUnsigned(valueArea, (ulong)at, _format.OffsetSize);
                value.Write(head[(int)at..], BigTiff, PositionOf);
            }

            pos += _format.EntrySize;
        }

        WriteUnsigned(head[pos..], (ulong)next, _format.OffsetSize);
        if (ifd.Exif is not null)
        {
            WriteIfd(head, ifd.Exif, 0);
        }
    }

    /// <summary>A little-endian unsigned field 2, 4 or 8 bytes wide; a value too large for it is a bug, not data.</summary>
    private static void WriteUnsigned(Span<byte> destination, ulong value, int size)
    {
        switch (size)
        {
            case 8:
                BinaryPrimitives.WriteUInt64LittleEndian(destination, value);
                break;
            case 4:
                BinaryPrimitives.WriteUInt32LittleEndian(destination, checked((uint)value));
                break;
            default:
                BinaryPrimitives.WriteUInt16LittleEndian(destination, checked((ushort)value));
                break;
        }
    }

    private static long Align(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
