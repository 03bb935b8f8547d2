using BitMiracle.LibTiff.Classic;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;
using LibTiffTag = BitMiracle.LibTiff.Classic.TiffTag;

namespace BtfConvert.Tests.Shared;

/// <summary>Large compressed test inputs, written by LibTiff.NET one strip or row of tiles at a time.</summary>
public static class LzwTiffWriter
{
    /// <summary>
    /// An LZW RGB image written strip by strip (never whole in memory), content varying per row; an
    /// <paramref name="orientation"/> other than 1 is written as the Orientation tag (the pixels stay as stored).
    /// </summary>
    public static void Write(string path, int width, int height, int rowsPerStrip, (int W, int H)? tile = null, int orientation = 1)
    {
        using var tiff = LibTiff.Open(path, height * (long)width * 3 > (3L << 30) ? "w8" : "w")!;
        tiff.SetField(LibTiffTag.IMAGEWIDTH, width);
        tiff.SetField(LibTiffTag.IMAGELENGTH, height);
        tiff.SetField(LibTiffTag.SAMPLESPERPIXEL, 3);
        tiff.SetField(LibTiffTag.BITSPERSAMPLE, 8);
        tiff.SetField(LibTiffTag.PHOTOMETRIC, Photometric.RGB);
        tiff.SetField(LibTiffTag.COMPRESSION, Compression.LZW);
        tiff.SetField(LibTiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
        if (orientation != 1)
        {
            tiff.SetField(LibTiffTag.ORIENTATION, (Orientation)orientation);
        }

        int bandRows = tile?.H ?? rowsPerStrip;
        if (tile is { } t)
        {
            tiff.SetField(LibTiffTag.TILEWIDTH, t.W);
            tiff.SetField(LibTiffTag.TILELENGTH, t.H);
        }
        else
        {
            tiff.SetField(LibTiffTag.ROWSPERSTRIP, rowsPerStrip);
        }

        var band = new byte[width * 3 * bandRows];
        for (int b = 0; b * bandRows < height; b++)
        {
            for (int i = 0; i < band.Length; i++)
            {
                int x = i / 3 % width, y = (b * bandRows) + (i / 3 / width);
                band[i] = (byte)((x * 7 / 5) + (y * 3) + ((x * y) >> 9) + (i % 3 * 40));
            }

            if (tile is { } tt)
            {
                var tileBytes = new byte[tt.W * tt.H * 3];
                int across = (width + tt.W - 1) / tt.W;
                for (int c = 0; c < across; c++)
                {
                    int w = Math.Min(tt.W, width - (c * tt.W));
                    for (int r = 0; r < tt.H; r++)
                    {
                        Buffer.BlockCopy(band, ((r * width) + (c * tt.W)) * 3, tileBytes, r * tt.W * 3, w * 3);
                    }

                    tiff.WriteEncodedTile((b * across) + c, tileBytes, tileBytes.Length);
                }
            }
            else
            {
                int rows = Math.Min(bandRows, height - (b * bandRows));
                tiff.WriteEncodedStrip(b, band, rows * width * 3);
            }
        }
    }

}
