using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Encoding;

/// <summary>
/// Compression=5 (TIFF LZW, MSB-first, 9–12-bit codes with the "early change" of libtiff) with Predictor=2.
/// No maintained .NET package exposes a standalone TIFF LZW encoder, so this follows libtiff's tif_lzw.c
/// LZWEncode/LZWPostEncode code-width rules exactly; readers decode it with libtiff's decoder.
/// </summary>
internal sealed class LzwTileEncoder(TileFormat format) : ITileEncoder
{
    private const int Clear = 256;
    private const int EndOfInformation = 257;
    private const int FirstFree = 258;
    private const int MinBits = 9;
    private const int MaxBits = 12;
    private const int MaxCode = (1 << MaxBits) - 1;
    private const int HashSize = 1 << 14;

    private readonly byte[] _predicted = new byte[format.ByteCount];
    private readonly int[] _keys = new int[HashSize];
    private readonly short[] _codes = new short[HashSize];
    private readonly int[] _generation = new int[HashSize];
    private int _currentGeneration;

    // Worst case: every byte becomes a 12-bit code, plus a Clear every 4094 codes.
    public int MaxEncodedLength => (format.ByteCount * 3 / 2) + 64;

    public int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination)
    {
        HorizontalPredictor.Apply(pixels, _predicted, format);
        var writer = new BitWriter(destination);
        ResetTable();
        int nbits = MinBits, maxCode = (1 << MinBits) - 1, freeEntry = FirstFree;
        writer.Put(Clear, nbits);
        ReadOnlySpan<byte> input = _predicted;
        int prefix = input[0];
        for (int i = 1; i < input.Length; i++)
        {
            int c = input[i];
            int key = (prefix << 8) | c;
            int slot = Find(key);
            if (_generation[slot] == _currentGeneration)
            {
                prefix = _codes[slot];
                continue;
            }

            writer.Put(prefix, nbits);
            prefix = c;
            _generation[slot] = _currentGeneration;
            _keys[slot] = key;
            _codes[slot] = (short)freeEntry++;
            if (freeEntry == MaxCode - 1)
            {
                ResetTable();
                freeEntry = FirstFree;
                writer.Put(Clear, nbits);
                nbits = MinBits;
                maxCode = (1 << MinBits) - 1;
            }
            else if (freeEntry > maxCode)
            {
                nbits++;
                maxCode = (1 << nbits) - 1;
            }
        }

        writer.Put(prefix, nbits);
        freeEntry++;
        if (freeEntry == MaxCode - 1)
        {
            writer.Put(Clear, nbits);
            nbits = MinBits;
        }
        else if (freeEntry > maxCode)
        {
            nbits++;
        }

        writer.Put(EndOfInformation, nbits);
        return writer.Flush();
    }

    private int Find(int key)
    {
        int slot = (int)(((uint)key * 2654435761u) >> 18) & (HashSize - 1);
        while (_generation[slot] == _currentGeneration && _keys[slot] != key)
        {
            slot = (slot + 1) & (HashSize - 1);
        }

        return slot;
    }

    private void ResetTable()
    {
        if (++_currentGeneration == int.MaxValue)
        {
            Array.Clear(_generation);
            _currentGeneration = 1;
        }
    }

    public void Dispose()
    {
    }

    private ref struct BitWriter(Span<byte> output)
    {
        private readonly Span<byte> _output = output;
        private int _position;
        private ulong _bits;
        private int _count;

        public void Put(int code, int width)
        {
            _bits = (_bits << width) | (uint)code;
            _count += width;
            while (_count >= 8)
            {
                _count -= 8;
                _output[_position++] = (byte)(_bits >> _count);
            }
        }

        public int Flush()
        {
            if (_count > 0)
            {
                _output[_position++] = (byte)(_bits << (8 - _count));
                _count = 0;
            }

            return _position;
        }
    }

    internal sealed class Factory(TileFormat format)
        : TileEncoderFactory("lzw", format, TiffConstants.CompressionLzw, TiffConstants.PredictorHorizontal)
    {
        public override ITileEncoder Create() => new LzwTileEncoder(Format);
    }
}
