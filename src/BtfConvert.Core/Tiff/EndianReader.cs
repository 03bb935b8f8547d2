using System.Buffers.Binary;

namespace BtfConvert.Core.Tiff;

/// <summary>Reads integers in the byte order of one file.</summary>
internal readonly record struct EndianReader(bool LittleEndian)
{
    public ushort UInt16(ReadOnlySpan<byte> b) =>
        LittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    public uint UInt32(ReadOnlySpan<byte> b) =>
        LittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);

    public ulong UInt64(ReadOnlySpan<byte> b) =>
        LittleEndian ? BinaryPrimitives.ReadUInt64LittleEndian(b) : BinaryPrimitives.ReadUInt64BigEndian(b);

    public double Double(ReadOnlySpan<byte> b) =>
        LittleEndian ? BinaryPrimitives.ReadDoubleLittleEndian(b) : BinaryPrimitives.ReadDoubleBigEndian(b);
}
