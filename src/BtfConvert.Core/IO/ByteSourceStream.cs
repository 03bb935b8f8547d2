namespace BtfConvert.Core.IO;

/// <summary>
/// A read-only, seekable <see cref="Stream"/> over an <see cref="IByteSource"/>, so a Stream-based reader
/// (LibTiff.NET) can read local files and s3:// objects alike. Reads go through one buffer of a few MiB: tiles are
/// decoded in file order, so on S3 that is one ranged GET per buffer, not one per tile. A reader that knows which
/// ranges come next can read them ahead itself and pass <paramref name="prefetched"/>: reads it holds in full are
/// served from it.
/// </summary>
internal sealed class ByteSourceStream(IByteSource source, int bufferSize = 4 << 20,
    Func<long, int, ReadOnlyMemory<byte>>? prefetched = null, IReadOnlyList<(long Offset, int Length)>? zeroed = null) : Stream
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private long _bufferStart = -1;
    private int _bufferLength;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => source.Length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long start = _position;
        int read = ReadCore(buffer);
        // Ranges shown as zeros: the count fields of entries our own walk ignored (see TiffFileInfo.IgnoredCountFields).
        foreach (var (offset, length) in zeroed ?? [])
        {
            long from = Math.Max(offset, start), to = Math.Min(offset + length, start + read);
            if (from < to)
            {
                buffer[(int)(from - start)..(int)(to - start)].Clear();
            }
        }

        return read;
    }

    private int ReadCore(Span<byte> buffer)
    {
        if (prefetched?.Invoke(_position, buffer.Length) is { IsEmpty: false } hit)
        {
            hit.Span.CopyTo(buffer);
            _position += buffer.Length;
            return buffer.Length;
        }

        int done = 0;
        while (done < buffer.Length && _position < source.Length)
        {
            if (_bufferStart < 0 || _position < _bufferStart || _position >= _bufferStart + _bufferLength)
            {
                Fill(_position);
            }

            int available = (int)(_bufferStart + _bufferLength - _position);
            int n = Math.Min(available, buffer.Length - done);
            _buffer.AsSpan((int)(_position - _bufferStart), n).CopyTo(buffer[done..]);
            done += n;
            _position += n;
        }

        return done;
    }

    private void Fill(long start)
    {
        int length = (int)Math.Min(_buffer.Length, source.Length - start);
        // LibTiff.NET's stream interface is synchronous; blocking here is the price of reusing it.
        source.ReadExactlyAsync(start, _buffer.AsMemory(0, length), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _bufferStart = start;
        _bufferLength = length;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => source.Length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("read-only");
}
