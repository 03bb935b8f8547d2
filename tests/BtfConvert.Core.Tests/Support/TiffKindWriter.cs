using BitMiracle.LibTiff.Classic;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;
using LibTiffTag = BitMiracle.LibTiff.Classic.TiffTag;

namespace BtfConvert.Core.Tests.Support;

/// <summary>
/// Writes test inputs of every kind users meet with LibTiff.NET (a port of libtiff, so the files are what libtiff
/// writes, not what our reader expects): compressed strips, tiles, planar, 16-bit, palette, bilevel, alpha, YCbCr.
/// </summary>
public static class TiffKindWriter
{
    public sealed record Spec(int Width, int Height, int SamplesPerPixel, int Bits, Photometric Photometric)
    {
        public Compression Compression { get; init; } = Compression.NONE;
        public bool Planar { get; init; }
        public int RowsPerStrip { get; init; } = 16;
        public (int Width, int Height)? Tile { get; init; }
        public ExtraSample? Extra { get; init; }
        public ushort[][]? ColorMap { get; init; }
        public (int H, int V)? Subsampling { get; init; }
        public int? MaxSampleValue { get; init; }
        public SampleFormat? SampleFormat { get; init; }
        public bool Predictor { get; init; }
        public bool Reduced { get; init; }

        /// <summary>Bytes of one chunky storage row (for subsampled YCbCr: one row of blocks).</summary>
        public int StorageRowBytes => Subsampling is { } s
            ? (Width + s.H - 1) / s.H * ((s.H * s.V) + 2)
            : ((Width * SamplesPerPixel * Bits) + 7) / 8;

        public int StorageRows => Subsampling is { } s ? (Height + s.V - 1) / s.V : Height;
    }

    /// <summary>Writes one image per spec (later ones as further IFDs) from chunky storage bytes (16-bit: machine order).</summary>
    public static void Write(string path, params (Spec Spec, byte[] Data)[] images)
    {
        using var tiff = LibTiff.Open(path, "w") ?? throw new InvalidOperationException($"cannot create {path}");
        foreach (var (spec, data) in images)
        {
            Assert.Equal(spec.StorageRowBytes * spec.StorageRows, data.Length);
            SetFields(tiff, spec);
            int planes = spec.Planar ? spec.SamplesPerPixel : 1;
            for (int p = 0; p < planes; p++)
            {
                byte[] plane = spec.Planar ? ExtractPlane(spec, data, p) : data;
                int rowBytes = spec.Planar ? spec.Width * spec.Bits / 8 : spec.StorageRowBytes;
                if (spec.Tile is { } t)
                {
                    WriteTiles(tiff, spec, t, plane, rowBytes, p);
                }
                else
                {
                    int rowsPerStrip = spec.Subsampling is null ? spec.RowsPerStrip : spec.StorageRows;
                    int strips = (spec.StorageRows + rowsPerStrip - 1) / rowsPerStrip;
                    for (int s = 0; s < strips; s++)
                    {
                        int rows = Math.Min(rowsPerStrip, spec.StorageRows - (s * rowsPerStrip));
                        var strip = plane.AsSpan(s * rowsPerStrip * rowBytes, rows * rowBytes).ToArray();
                        Assert.True(tiff.WriteEncodedStrip((p * strips) + s, strip, strip.Length) >= 0);
                    }
                }
            }

            Assert.True(tiff.WriteDirectory());
        }
    }

    private static void SetFields(LibTiff tiff, Spec spec)
    {
        tiff.SetField(LibTiffTag.IMAGEWIDTH, spec.Width);
        tiff.SetField(LibTiffTag.IMAGELENGTH, spec.Height);
        tiff.SetField(LibTiffTag.SAMPLESPERPIXEL, spec.SamplesPerPixel);
        tiff.SetField(LibTiffTag.BITSPERSAMPLE, spec.Bits);
        tiff.SetField(LibTiffTag.PHOTOMETRIC, spec.Photometric);
        tiff.SetField(LibTiffTag.COMPRESSION, spec.Compression);
        tiff.SetField(LibTiffTag.PLANARCONFIG, spec.Planar ? PlanarConfig.SEPARATE : PlanarConfig.CONTIG);
        if (spec.Reduced)
        {
            tiff.SetField(LibTiffTag.SUBFILETYPE, FileType.REDUCEDIMAGE);
        }

        if (spec.Tile is { } t)
        {
            tiff.SetField(LibTiffTag.TILEWIDTH, t.Width);
            tiff.SetField(LibTiffTag.TILELENGTH, t.Height);
        }
        else
        {
            tiff.SetField(LibTiffTag.ROWSPERSTRIP, spec.Subsampling is null ? spec.RowsPerStrip : spec.Height);
        }

        if (spec.Extra is { } extra)
        {
            tiff.SetField(LibTiffTag.EXTRASAMPLES, 1, new short[] { (short)extra });
        }

        if (spec.ColorMap is { } map)
        {
            tiff.SetField(LibTiffTag.COLORMAP, map[0], map[1], map[2]);
        }

        if (spec.Subsampling is { } sub)
        {
            tiff.SetField(LibTiffTag.YCBCRSUBSAMPLING, sub.H, sub.V);
        }

        if (spec.MaxSampleValue is { } max)
        {
            tiff.SetField(LibTiffTag.MAXSAMPLEVALUE, max);
        }

        if (spec.SampleFormat is { } format)
        {
            tiff.SetField(LibTiffTag.SAMPLEFORMAT, format);
        }

        if (spec.Predictor)
        {
            tiff.SetField(LibTiffTag.PREDICTOR, BitMiracle.LibTiff.Classic.Predictor.HORIZONTAL);
        }

        if (spec.Compression == Compression.JPEG)
        {
            tiff.SetField(LibTiffTag.JPEGQUALITY, 90);
            if (spec.Photometric == Photometric.YCBCR)
            {
                // We hand RGB; the codec converts to YCbCr 2x2 (what real JPEG TIFFs hold).
                tiff.SetField(LibTiffTag.JPEGCOLORMODE, JpegColorMode.RGB);
            }
        }
    }

    private static void WriteTiles(LibTiff tiff, Spec spec, (int Width, int Height) t, byte[] plane, int rowBytes, int p)
    {
        int across = (spec.Width + t.Width - 1) / t.Width, down = (spec.Height + t.Height - 1) / t.Height;
        int bytesPerPixelTimes8 = (spec.Planar ? 1 : spec.SamplesPerPixel) * spec.Bits;
        int tileRowBytes = t.Width * bytesPerPixelTimes8 / 8;
        for (int ty = 0; ty < down; ty++)
        {
            for (int tx = 0; tx < across; tx++)
            {
                var tile = new byte[tileRowBytes * t.Height];
                int x0 = tx * t.Width * bytesPerPixelTimes8 / 8;
                int length = Math.Min(tileRowBytes, rowBytes - x0);
                for (int r = 0; r < t.Height && (ty * t.Height) + r < spec.Height; r++)
                {
                    Buffer.BlockCopy(plane, (((ty * t.Height) + r) * rowBytes) + x0, tile, r * tileRowBytes, length);
                }

                int index = (p * across * down) + (ty * across) + tx;
                Assert.True(tiff.WriteEncodedTile(index, tile, tile.Length) >= 0);
            }
        }
    }

    private static byte[] ExtractPlane(Spec spec, byte[] chunky, int plane)
    {
        int bytes = spec.Bits / 8, spp = spec.SamplesPerPixel;
        var result = new byte[spec.Width * spec.Height * bytes];
        for (int i = 0; i < spec.Width * spec.Height; i++)
        {
            Buffer.BlockCopy(chunky, ((i * spp) + plane) * bytes, result, i * bytes, bytes);
        }

        return result;
    }
}
