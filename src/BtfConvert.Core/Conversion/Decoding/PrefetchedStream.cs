using BtfConvert.Core.IO;

namespace BtfConvert.Core.Conversion.Decoding;

/// <summary>
/// The stream LibTiff.NET decodes from: chunk reads are served from the <see cref="ChunkPrefetcher"/>'s large reads;
/// anything else (the header and directories LibTiff.NET parses when it opens the file) goes through a small
/// windowed buffer over the source.
/// </summary>
internal sealed class PrefetchedStream(IByteSource source, ChunkPrefetcher prefetcher) : Stream
{
    // Directories and their arrays are read once at open; 1 MiB windows serve them in one or two requests.
    private readonly ByteSourceStream _fallback = new(source, 1 << 20);
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
        var prefetched = prefetcher.Find(_position, buffer.Length);
        int n;
        if (!prefetched.IsEmpty)
        {
            prefetched.Span.CopyTo(buffer);
            n = buffer.Length;
        }
        else
        {
            _fallback.Position = _position;
            n = _fallback.Read(buffer);
        }

        _position += n;
        return n;
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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fallback.Dispose();
        }

        base.Dispose(disposing);
    }
}
