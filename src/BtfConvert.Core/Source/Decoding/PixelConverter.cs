using System.Runtime.InteropServices;

namespace BtfConvert.Core.Source.Decoding;

/// <summary>
/// Turns decoded rows of any supported <see cref="PixelFormat"/> into the 8-bit chunky RGB or gray rows the pyramid
/// takes. Pure: no I/O, no state between calls. What users expect, as vips and libtiff show these files:
/// <list type="bullet">
/// <item>16-bit samples scale linearly, 0..MaxSampleValue (65535 unless the file states less) onto 0..255, rounded;</item>
/// <item>1-, 2- and 4-bit gray scale onto 0..255 (1-bit: 0 and 255); MinIsWhite is inverted so that it looks right;</item>
/// <item>palette indices become their colour map's RGB; YCbCr becomes RGB (subsampled chroma repeated over its block);</item>
/// <item>alpha and any other extra samples are dropped (colour kept as stored).</item>
/// </list>
/// </summary>
internal sealed class PixelConverter
{
    private readonly PixelFormat _format;
    private readonly int _width;
    private readonly byte[]? _levels;
    private readonly bool _copyAsIs;

    public PixelConverter(PixelFormat format, int width)
    {
        _format = format;
        _width = width;
        if (format.Model is ColorModel.MinIsBlack or ColorModel.MinIsWhite or ColorModel.Rgb)
        {
            _levels = Levels(format.BitsPerSample, format.MaxSampleValue, format.Model == ColorModel.MinIsWhite);
            _copyAsIs = format.IsPlain8Bit;
        }
    }

    public int OutputRowBytes => _width * _format.OutputSamples;

    /// <summary>Value → 8-bit level: linear from 0..<paramref name="maxValue"/> onto 0..255, rounded, clamped; inverted for MinIsWhite.</summary>
    internal static byte[] Levels(int bits, int maxValue, bool invert)
    {
        var levels = new byte[1 << bits];
        for (int v = 0; v < levels.Length; v++)
        {
            int level = (int)Math.Min(255, ((Math.Min(v, maxValue) * 255L) + (maxValue / 2)) / maxValue);
            levels[v] = (byte)(invert ? 255 - level : level);
        }

        return levels;
    }

    /// <summary>
    /// Converts one storage row (chunky; for subsampled YCbCr a row of blocks holding <paramref name="rows"/> image
    /// rows, else exactly one image row) into <paramref name="rows"/> rows of <see cref="OutputRowBytes"/>.
    /// </summary>
    public void Convert(ReadOnlySpan<byte> storageRow, int rows, Span<byte> output)
    {
        if (_format.IsSubsampled)
        {
            ConvertBlocks(storageRow, rows, output);
            return;
        }

        var dst = output[..OutputRowBytes];
        if (_copyAsIs)
        {
            storageRow[..OutputRowBytes].CopyTo(dst);
            return;
        }

        int spp = _format.SamplesPerPixel, bits = _format.BitsPerSample;
        var words = bits == 16 ? MemoryMarshal.Cast<byte, ushort>(storageRow) : default;
        switch (_format.Model)
        {
            case ColorModel.MinIsBlack or ColorModel.MinIsWhite:
                for (int x = 0; x < _width; x++)
                {
                    dst[x] = _levels![Sample(storageRow, words, x * spp, bits)];
                }

                break;
            case ColorModel.Rgb:
                for (int x = 0; x < _width; x++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        dst[(3 * x) + c] = _levels![Sample(storageRow, words, (x * spp) + c, bits)];
                    }
                }

                break;
            case ColorModel.Palette:
                var palette = _format.Palette!;
                for (int x = 0; x < _width; x++)
                {
                    int index = Sample(storageRow, words, x * spp, bits);
                    palette.AsSpan(3 * index, 3).CopyTo(dst[(3 * x)..]);
                }

                break;
            case ColorModel.YCbCr:
                var ycc = _format.YCbCr!;
                for (int x = 0; x < _width; x++)
                {
                    int i = x * spp;
                    ycc.ToRgb(storageRow[i], storageRow[i + 1], storageRow[i + 2], dst.Slice(3 * x, 3));
                }

                break;
        }
    }

    /// <summary>YCbCr blocks of H×V luma samples then Cb and Cr (TIFF 6.0 section 21); each block's chroma covers its pixels.</summary>
    private void ConvertBlocks(ReadOnlySpan<byte> blocks, int rows, Span<byte> output)
    {
        int h = _format.SubsamplingH, v = _format.SubsamplingV, blockBytes = (h * v) + 2;
        var ycc = _format.YCbCr!;
        int blocksAcross = (_width + h - 1) / h;
        for (int b = 0; b < blocksAcross; b++)
        {
            var block = blocks.Slice(b * blockBytes, blockBytes);
            byte cb = block[h * v], cr = block[(h * v) + 1];
            for (int j = 0; j < Math.Min(v, rows); j++)
            {
                for (int i = 0; i < h && (b * h) + i < _width; i++)
                {
                    int x = (b * h) + i;
                    ycc.ToRgb(block[(j * h) + i], cb, cr, output.Slice((j * OutputRowBytes) + (3 * x), 3));
                }
            }
        }
    }

    private static int Sample(ReadOnlySpan<byte> row, ReadOnlySpan<ushort> words, int index, int bits) => bits switch
    {
        8 => row[index],
        16 => words[index],
        _ => (row[(index * bits) >> 3] >> (8 - bits - ((index * bits) & 7))) & ((1 << bits) - 1),
    };

    /// <summary>
    /// Builds one chunky row from the same row of separate planes (PlanarConfiguration=2): sample s of pixel x is
    /// <paramref name="planes"/>[s][offset + x·bytes].
    /// </summary>
    public static void InterleaveRow(IReadOnlyList<byte[]> planes, int offset, int width, int bytesPerSample, Span<byte> chunky)
    {
        int spp = planes.Count;
        for (int s = 0; s < spp; s++)
        {
            var plane = planes[s].AsSpan(offset, width * bytesPerSample);
            if (bytesPerSample == 1)
            {
                for (int x = 0; x < width; x++)
                {
                    chunky[(x * spp) + s] = plane[x];
                }
            }
            else
            {
                for (int x = 0; x < width; x++)
                {
                    plane.Slice(x * bytesPerSample, bytesPerSample).CopyTo(chunky[(((x * spp) + s) * bytesPerSample)..]);
                }
            }
        }
    }
}
