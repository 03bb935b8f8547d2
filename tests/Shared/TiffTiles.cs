using BtfConvert.Core.IO;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Tests.Shared;

/// <summary>
/// The image data of a TIFF, directory by directory: every tile (or strip) as stored. Outputs of the same input
/// converted from different places differ in their record (the source location) and so in their head; their
/// pixels must not: compare these instead of whole files.
/// </summary>
public static class TiffTiles
{
    public static async Task<List<List<byte[]>>> ReadAsync(byte[] tiff)
    {
        var file = await TiffFileReader.ReadAsync(new CachedReader(new MemoryByteSource("tiff", tiff)), default);
        var result = new List<List<byte[]>>();
        foreach (var directory in file.Directories)
        {
            var offsets = (directory[TiffTag.TileOffsets] ?? directory[TiffTag.StripOffsets])!.GetUInt64Array();
            var counts = (directory[TiffTag.TileByteCounts] ?? directory[TiffTag.StripByteCounts])!.GetUInt64Array();
            result.Add(offsets.Select((o, i) => tiff.AsSpan((int)o, (int)counts[i]).ToArray()).ToList());
        }

        return result;
    }

    public static async Task AssertSameAsync(byte[] expected, byte[] actual)
    {
        var a = await ReadAsync(expected);
        var b = await ReadAsync(actual);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Count, b[i].Count);
            Assert.True(a[i].Zip(b[i]).All(p => p.First.AsSpan().SequenceEqual(p.Second)), $"IFD {i}: the tiles differ");
        }
    }
}
