using System.Buffers.Binary;

namespace BtfConvert.Core.Tiff.Writing;

/// <summary>
/// A tag value to be written (always little-endian). Most values are fixed; <see cref="Offsets"/> and
/// <see cref="ByteCounts"/> wrap arrays that the tile writer fills while the body is written, and pointers name
/// other parts of the head whose positions are only known once the whole head is laid out.
/// </summary>
internal abstract class TiffValue
{
    public abstract TiffFieldType Type(bool bigTiff);

    public abstract long Count { get; }

    public long Length(bool bigTiff) => Count * Type(bigTiff).ElementSize();

    /// <summary>True for TileOffsets/TileByteCounts, which the head lays out after every IFD.</summary>
    public virtual bool IsTileArray => false;

    /// <summary>Writes the value bytes; <paramref name="resolve"/> gives the offset of a directory or blob.</summary>
    public abstract void Write(Span<byte> destination, bool bigTiff, Func<object, long> resolve);

    public static TiffValue Ascii(string text) => new AsciiValue(text);

    public static TiffValue Short(params ushort[] values) => new ShortValue(values);

    public static TiffValue Long(params uint[] values) => new LongValue(values);

    public static TiffValue Rational(params (uint Numerator, uint Denominator)[] values) => new RationalValue(values);

    /// <summary>Bytes already in little-endian order with their original type (copied EXIF entries).</summary>
    public static TiffValue Raw(TiffFieldType type, long count, byte[] littleEndianBytes) => new RawValue(type, count, littleEndianBytes);

    /// <summary>File offsets: LONG in classic TIFF (checked to fit), LONG8 in BigTIFF.</summary>
    public static TiffValue Offsets(long[] values) => new OffsetArrayValue(values, isByteCount: false);

    /// <summary>Byte counts: LONG in both flavours (a tile is never 4 GiB).</summary>
    public static TiffValue ByteCounts(long[] values) => new OffsetArrayValue(values, isByteCount: true);

    /// <summary>Offset of a sub-IFD (EXIF) or blob (associated image strip) inside the head.</summary>
    public static TiffValue PointerTo(object target, bool isIfd) => new PointerValue(target, isIfd);

    private sealed class AsciiValue(string text) : TiffValue
    {
        private readonly byte[] _bytes = [.. System.Text.Encoding.Latin1.GetBytes(text), 0];

        public override TiffFieldType Type(bool bigTiff) => TiffFieldType.Ascii;

        public override long Count => _bytes.Length;

        public override void Write(Span<byte> destination, bool bigTiff, Func<object, long> resolve) => _bytes.CopyTo(destination);
    }

    private sealed class ShortValue(ushort[] values) : TiffValue
    {
        public override TiffFieldType Type(bool bigTiff) => TiffFieldType.Short;

        public override long Count => values.Length;

        public override void Write(Span<byte> destination, bool bigTiff, Func<object, long> resolve)
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], values[i]);
            }
        }
    }

    private sealed class LongValue(uint[] values) : TiffValue
    {
        public override TiffFieldType Type(bool bigTiff) => TiffFieldType.Long;

        public override long Count => values.Length;

        public override void Write(Span<byte> destination, bool bigTiff, Func<object, long> resolve)
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(destination[(i * 4)..], values[i]);
            }
        }
    }

    private sealed class RationalValue((uint Numerator, uint Denominator)[] values) : TiffValue
    {
        public override TiffFieldType Type(bool bigTiff) => TiffFieldType.Rational;

        public override long Count => values.Length;

        public override void Write(Span<byte> destination, bool bigTiff, Func<object, long> resolve)
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(destination[(i * 8)..], values[i].Numerator);
                BinaryPrimitives.WriteUInt32LittleEndian(destination[((i * 8) + 4)..], values[i].Denominator);
            }
        }
    }

    private sealed class RawValue(TiffFieldType type, long count, byte[] bytes) : TiffValue
    {
        public override TiffFieldType Type(bool bigTiff) => type;

        public override long Count => count;

        public override void Write(Span<byte> destination, bool bigTiff, Func<object, long> resolve) => bytes.CopyTo(destination);
    }

    private sealed class OffsetArrayValue(long[] values, bool isByteCount) : TiffValue
    {
        public override bool IsTileArray => true;

        public override TiffFieldType Type(bool bigTiff) => bigTiff && !isByteCount ? TiffFieldType.Long8 : TiffFieldType.Long;

        public override long Count => values.Length;

        public override void Write(Span<byte> destination, bool bigTiff, Func<object, long> resolve)
        {
            bool wide = Type(bigTiff) == TiffFieldType.Long8;
            for (int i = 0; i < values.Length; i++)
            {
                if (wide)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * 8)..], (ulong)values[i]);
                }
                else
                {
                    if ((ulong)values[i] > uint.MaxValue)
                    {
                        throw new InvalidOperationException(
                            "the output passed 4 GiB, which classic TIFF cannot address; convert again with --bigtiff yes");
                    }

                    BinaryPrimitives.WriteUInt32LittleEndian(destination[(i * 4)..], (uint)values[i]);
                }
            }
        }
    }

    private sealed class PointerValue(object target, bool isIfd) : TiffValue
    {
        public override TiffFieldType Type(bool bigTiff) =>
            bigTiff ? (isIfd ? TiffFieldType.Ifd8 : TiffFieldType.Long8) : TiffFieldType.Long;

        public override long Count => 1;

        public override void Write(Span<byte> destination, bool bigTiff, Func<object, long> resolve)
        {
            long offset = resolve(target);
            if (bigTiff)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)offset);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(destination, checked((uint)offset));
            }
        }
    }
}
