using BitMiracle.LibTiff.Classic;
using BtfConvert.Core.Tests.Support;
using BtfConvert.Samples;
using Spec = BtfConvert.Core.Tests.Support.TiffKindWriter.Spec;

namespace BtfConvert.Core.Tests.Conversion;

/// <summary>
/// Every input kind of issue 14 as (what is stored, what a user expects to see): 8-bit RGB or gray pixels computed
/// here independently of the converter (16-bit = 8-bit × 257, MinIsWhite stored inverted, palette looked up, …).
/// </summary>
public static class AnyTiffKinds
{
    public const int Width = 300, Height = 200;

    public sealed record Kind(Spec Spec, byte[] Stored, byte[] Expected, int OutputSamples, double? PsnrFloor = null);

    public static IEnumerable<string> Names => Cases.Keys;

    public static Kind Get(string name) => Cases[name]();

    private static readonly byte[] Rgb = new TissuePattern(7, Width, Height, 3).Render();
    private static readonly byte[] Gray = new TissuePattern(8, Width, Height, 1).Render();

    private static Spec RgbSpec(int bits = 8) => new(Width, Height, 3, bits, Photometric.RGB);

    private static Spec GraySpec(int bits = 8, Photometric photometric = Photometric.MINISBLACK) => new(Width, Height, 1, bits, photometric);

    private static readonly Dictionary<string, Func<Kind>> Cases = new()
    {
        ["lzw-rgb-predictor-strips"] = () => new(RgbSpec() with { Compression = Compression.LZW, Predictor = true }, Rgb, Rgb, 3),
        ["deflate-gray-strips"] = () => new(GraySpec() with { Compression = Compression.ADOBE_DEFLATE }, Gray, Gray, 1),
        ["packbits-rgb-single-strip"] = () => new(RgbSpec() with { Compression = Compression.PACKBITS, RowsPerStrip = Height }, Rgb, Rgb, 3),
        ["lzw-rgb-tiles"] = () => new(RgbSpec() with { Compression = Compression.LZW, Tile = (64, 48) }, Rgb, Rgb, 3),
        ["uncompressed-rgb-tiles"] = () => new(RgbSpec() with { Tile = (128, 128) }, Rgb, Rgb, 3),
        ["jpeg-ycbcr-strips"] = () => new(new Spec(Width, Height, 3, 8, Photometric.YCBCR) { Compression = Compression.JPEG }, Rgb, Rgb, 3, 30),
        ["jpeg-rgb-tiles"] = () => new(RgbSpec() with { Compression = Compression.JPEG, Tile = (64, 64) }, Rgb, Rgb, 3, 30),
        ["jpeg-gray-tiles"] = () => new(GraySpec() with { Compression = Compression.JPEG, Tile = (64, 48) }, Gray, Gray, 1, 30),
        ["rgb16-lzw-strips"] = () => new(RgbSpec(16) with { Compression = Compression.LZW }, Widen(Rgb, 257), Rgb, 3),
        ["gray16-max4095-deflate-tiles"] = () => new(
            GraySpec(16) with { Compression = Compression.ADOBE_DEFLATE, Tile = (64, 48), MaxSampleValue = 4095 }, Widen12(Gray), Gray, 1),
        ["planar-rgb-deflate-strips"] = () => new(RgbSpec() with { Compression = Compression.ADOBE_DEFLATE, Planar = true }, Rgb, Rgb, 3),
        ["planar-rgb16-lzw-tiles"] = () => new(RgbSpec(16) with { Compression = Compression.LZW, Planar = true, Tile = (64, 48) }, Widen(Rgb, 257), Rgb, 3),
        ["rgba-unassociated-lzw"] = () => new(
            new Spec(Width, Height, 4, 8, Photometric.RGB) { Compression = Compression.LZW, Extra = ExtraSample.UNASSALPHA }, AddAlpha(Rgb, 3), Rgb, 3),
        ["gray-alpha-tiles"] = () => new(
            new Spec(Width, Height, 2, 8, Photometric.MINISBLACK) { Tile = (64, 64), Extra = ExtraSample.ASSOCALPHA }, AddAlpha(Gray, 1), Gray, 1),
        ["miniswhite-gray-lzw"] = () => new(GraySpec(8, Photometric.MINISWHITE) with { Compression = Compression.LZW }, Gray.Select(v => (byte)(255 - v)).ToArray(), Gray, 1),
        ["palette8-lzw"] = () => Palette(8),
        ["palette4-packbits-tiles"] = () => Palette(4) is var k ? k with { Spec = k.Spec with { Compression = Compression.PACKBITS, Tile = (64, 48) } } : null!,
        ["bilevel-packbits"] = () => Bilevel(Photometric.MINISBLACK, Compression.PACKBITS),
        ["bilevel-miniswhite-fax4"] = () => Bilevel(Photometric.MINISWHITE, Compression.CCITTFAX4),
        ["ycbcr-1x1-uncompressed"] = () => YCbCr(1, 1, 45),
        ["ycbcr-2x2-uncompressed"] = () => YCbCr(2, 2, 30),
        ["ycbcr-2x1-lzw"] = () => YCbCr(2, 1, 32) is var k ? k with { Spec = k.Spec with { Compression = Compression.LZW } } : null!,
    };

    /// <summary>8-bit samples × factor as 16-bit machine-order samples (× 257 maps 0..255 exactly onto 0..65535).</summary>
    private static byte[] Widen(byte[] samples, int factor)
    {
        var result = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
        {
            BitConverter.TryWriteBytes(result.AsSpan(2 * i), (ushort)(samples[i] * factor));
        }

        return result;
    }

    /// <summary>12-bit data in 16-bit samples: v·4095/255, which MaxSampleValue=4095 must bring back to v.</summary>
    private static byte[] Widen12(byte[] samples)
    {
        var result = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
        {
            BitConverter.TryWriteBytes(result.AsSpan(2 * i), (ushort)(samples[i] * 4095 / 255));
        }

        return result;
    }

    private static byte[] AddAlpha(byte[] pixels, int spp)
    {
        int n = pixels.Length / spp;
        var result = new byte[n * (spp + 1)];
        for (int i = 0; i < n; i++)
        {
            pixels.AsSpan(i * spp, spp).CopyTo(result.AsSpan(i * (spp + 1)));
            result[(i * (spp + 1)) + spp] = (byte)(i * 31);
        }

        return result;
    }

    private static Kind Palette(int bits)
    {
        int entries = 1 << bits;
        var map = new ushort[3][];
        for (int c = 0; c < 3; c++)
        {
            map[c] = Enumerable.Range(0, entries).Select(i => (ushort)(((i * (c + 3) * 37) + (c * 50)) % 256 * 257)).ToArray();
        }

        var stored = new byte[((Width * bits) + 7) / 8 * Height];
        var expected = new byte[Width * Height * 3];
        int rowBytes = ((Width * bits) + 7) / 8;
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int index = Gray[(y * Width) + x] * entries / 256;
                int bit = x * bits;
                stored[(y * rowBytes) + (bit >> 3)] |= (byte)(index << (8 - bits - (bit & 7)));
                for (int c = 0; c < 3; c++)
                {
                    expected[(((y * Width) + x) * 3) + c] = (byte)(map[c][index] / 257);
                }
            }
        }

        return new(new Spec(Width, Height, 1, bits, Photometric.PALETTE) { Compression = Compression.LZW, ColorMap = map }, stored, expected, 3);
    }

    /// <summary>1-bit: a stored 1 is white for MinIsBlack and black for MinIsWhite; users see 255 and 0.</summary>
    private static Kind Bilevel(Photometric photometric, Compression compression)
    {
        int rowBytes = (Width + 7) / 8;
        var stored = new byte[rowBytes * Height];
        var expected = new byte[Width * Height];
        for (int i = 0; i < Width * Height; i++)
        {
            bool white = Gray[i] > 140;
            expected[i] = white ? (byte)255 : (byte)0;
            if (white == (photometric == Photometric.MINISBLACK))
            {
                int x = i % Width, y = i / Width;
                stored[(y * rowBytes) + (x >> 3)] |= (byte)(0x80 >> (x & 7));
            }
        }

        return new(GraySpec(1, photometric) with { Compression = compression }, stored, expected, 1);
    }

    /// <summary>Uncompressed YCbCr as TIFF 6.0 stores it (BT.601, full range, H×V luma then Cb, Cr per block).</summary>
    private static Kind YCbCr(int h, int v, double psnrFloor)
    {
        var spec = new Spec(Width, Height, 3, 8, Photometric.YCBCR) { Subsampling = (h, v) };
        var stored = new byte[spec.StorageRowBytes * spec.StorageRows];
        int blockBytes = (h * v) + 2, blocksAcross = (Width + h - 1) / h;
        for (int by = 0; by < spec.StorageRows; by++)
        {
            for (int bx = 0; bx < blocksAcross; bx++)
            {
                int offset = (by * spec.StorageRowBytes) + (bx * blockBytes);
                double cb = 0, cr = 0;
                for (int j = 0; j < v; j++)
                {
                    for (int i = 0; i < h; i++)
                    {
                        int x = Math.Min((bx * h) + i, Width - 1), y = Math.Min((by * v) + j, Height - 1);
                        int p = ((y * Width) + x) * 3;
                        double r = Rgb[p], g = Rgb[p + 1], b = Rgb[p + 2];
                        double luma = (0.299 * r) + (0.587 * g) + (0.114 * b);
                        stored[offset + (j * h) + i] = (byte)Math.Clamp(Math.Round(luma), 0, 255);
                        cb += 128 + ((b - luma) / 1.772);
                        cr += 128 + ((r - luma) / 1.402);
                    }
                }

                stored[offset + (h * v)] = (byte)Math.Clamp(Math.Round(cb / (h * v)), 0, 255);
                stored[offset + (h * v) + 1] = (byte)Math.Clamp(Math.Round(cr / (h * v)), 0, 255);
            }
        }

        return new(spec, stored, Rgb, 3, psnrFloor);
    }
}
