using BitMiracle.LibTiff.Classic;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;
using LibTiffTag = BitMiracle.LibTiff.Classic.TiffTag;

namespace BtfConvert.Core.Tests.Support;

/// <summary>Reads our outputs with LibTiff.NET (a port of libtiff), independently of our own parser.</summary>
public static class LibTiffReader
{
    public sealed record Directory(int Index, int Width, int Height, int SamplesPerPixel, bool Tiled, int Compression,
        int Photometric, int SubfileType, string? Description, byte[] Pixels);

    public static List<Directory> ReadAll(string path)
    {
        using var tiff = LibTiff.Open(path, "r") ?? throw new InvalidOperationException($"LibTiff.NET cannot open {path}");
        var result = new List<Directory>();
        short count = tiff.NumberOfDirectories();
        for (short i = 0; i < count; i++)
        {
            Assert.True(tiff.SetDirectory(i));
            result.Add(ReadCurrent(tiff, i));
        }

        return result;
    }

    private static Directory ReadCurrent(LibTiff tiff, int index)
    {
        int width = tiff.GetField(LibTiffTag.IMAGEWIDTH)[0].ToInt();
        int height = tiff.GetField(LibTiffTag.IMAGELENGTH)[0].ToInt();
        int spp = tiff.GetField(LibTiffTag.SAMPLESPERPIXEL)?[0].ToInt() ?? 1;
        int compression = tiff.GetField(LibTiffTag.COMPRESSION)?[0].ToInt() ?? 1;
        int photometric = tiff.GetField(LibTiffTag.PHOTOMETRIC)?[0].ToInt() ?? 1;
        int subfile = tiff.GetField(LibTiffTag.SUBFILETYPE)?[0].ToInt() ?? 0;
        string? description = tiff.GetField(LibTiffTag.IMAGEDESCRIPTION)?[0].ToString();
        if (compression == (int)BitMiracle.LibTiff.Classic.Compression.JPEG && spp == 3)
        {
            tiff.SetField(LibTiffTag.JPEGCOLORMODE, JpegColorMode.RGB);
        }

        var pixels = new byte[width * height * spp];
        int rowBytes = width * spp;
        bool tiled = tiff.IsTiled();
        if (tiled)
        {
            int tw = tiff.GetField(LibTiffTag.TILEWIDTH)[0].ToInt();
            int th = tiff.GetField(LibTiffTag.TILELENGTH)[0].ToInt();
            var tile = new byte[tiff.TileSize()];
            for (int y = 0; y < height; y += th)
            {
                for (int x = 0; x < width; x += tw)
                {
                    int n = tiff.ReadTile(tile, 0, x, y, 0, 0);
                    Assert.True(n > 0, $"tile at {x},{y} of directory {index} could not be read");
                    int copyW = Math.Min(tw, width - x) * spp;
                    for (int r = 0; r < th && y + r < height; r++)
                    {
                        Buffer.BlockCopy(tile, r * tw * spp, pixels, ((y + r) * rowBytes) + (x * spp), copyW);
                    }
                }
            }
        }
        else
        {
            var row = new byte[tiff.ScanlineSize()];
            for (int y = 0; y < height; y++)
            {
                Assert.True(tiff.ReadScanline(row, y));
                Buffer.BlockCopy(row, 0, pixels, y * rowBytes, rowBytes);
            }
        }

        return new Directory(index, width, height, spp, tiled, compression, photometric, subfile, description, pixels);
    }
}
