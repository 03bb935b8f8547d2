using System.Buffers.Binary;

namespace BtfConvert.Core.Tiff.Writing;

/// <summary>
/// Lays out and serializes the head of a web-optimized TIFF: the header, then EVERY IFD with its out-of-line
/// values, then small blobs (associated images), padded to 16 bytes. Tile data follows the head.
/// This is written by hand rather than with LibTiff.NET because libtiff writes each IFD after its image data
/// (at the end for a streamed file), which makes a remote reader fetch the directory chain from all over the
/// file; here every directory comes first, so one small range read gets them all, and since the head's size is
/// fixed by the tile counts, it can be reserved before the first tile and filled in after the last.
/// </summary>
public sealed class TiffHeadWriter
{
    private readonly bool _bigTiff;
    private readonly IReadOnlyList<IfdSpec> _chain;
    private readonly IReadOnlyList<byte[]> _blobs;
    private readonly Dictionary<object, long> _positions = new(ReferenceEqualityComparer.Instance);

    public TiffHeadWriter(bool bigTiff, IReadOnlyList<IfdSpec> chain, IReadOnlyList<byte[]> blobs)
    {
        if (chain.Count == 0)
        {
            throw new ArgumentException("a TIFF needs at least one IFD", nameof(chain));
        }

        _bigTiff = bigTiff;
        _chain = chain;
        _blobs = blobs;
        long pos = bigTiff ? 16 : 8;
        foreach (var ifd in chain)
        {
            pos = LayoutIfd(ifd, pos);
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

    private int EntrySize => _bigTiff ? 20 : 12;
    private int InlineSize => _bigTiff ? 8 : 4;

    private long LayoutIfd(IfdSpec ifd, long pos)
    {
        pos = Align(pos, _bigTiff ? 8 : 2);
        _positions[ifd] = pos;
        pos += (_bigTiff ? 8 : 2) + (ifd.Entries.Count * EntrySize) + (_bigTiff ? 8 : 4);
        foreach (var (_, value) in ifd.Entries)
        {
            long length = value.Length(_bigTiff);
            if (length > InlineSize)
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
        if (_bigTiff)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[2..], TiffConstants.BigTiffVersion);
            BinaryPrimitives.WriteUInt16LittleEndian(span[4..], 8);
            BinaryPrimitives.WriteUInt64LittleEndian(span[8..], (ulong)_positions[_chain[0]]);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[2..], TiffConstants.ClassicVersion);
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)_positions[_chain[0]]);
        }

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
        if (_bigTiff)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(head[pos..], (ulong)ifd.Entries.Count);
            pos += 8;
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(head[pos..], (ushort)ifd.Entries.Count);
            pos += 2;
        }

        foreach (var (tag, value) in ifd.Entries)
        {
            var entry = head.Slice(pos, EntrySize);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, tag);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], (ushort)value.Type(_bigTiff));
            var valueArea = entry[(_bigTiff ? 12 : 8)..];
            if (_bigTiff)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(entry[4..], (ulong)value.Count);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], checked((uint)value.Count));
            }

            if (value.Length(_bigTiff) <= InlineSize)
            {
                value.Write(valueArea, _bigTiff, PositionOf);
            }
            else
            {
                long at = _positions[value];
                if (_bigTiff)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(valueArea, (ulong)at);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(valueArea, (uint)at);
                }

                value.Write(head[(int)at..], _bigTiff, PositionOf);
            }

            pos += EntrySize;
        }

        if (_bigTiff)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(head[pos..], (ulong)next);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(head[pos..], (uint)next);
        }

        if (ifd.Exif is not null)
        {
            WriteIfd(head, ifd.Exif, 0);
        }
    }

    private static long Align(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
