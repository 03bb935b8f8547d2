using System.Collections.Concurrent;

namespace BtfConvert.Aws;

/// <summary>
/// The bytes of an S3 output not yet sent: part 1 (the reserved head plus the first tiles, at least one part size),
/// kept until commit because the head is only final then, and the part being filled, in buffers of exactly the
/// part size that come back once their upload is done.
/// </summary>
internal sealed class S3PartBuffer
{
    // Own buffers rather than ArrayPool: the shared pool rounds 5 MiB up to 8 MiB and keeps what it hands out.
    private readonly ConcurrentBag<byte[]> _freeBuffers = [];
    private byte[]? _current;

    public S3PartBuffer(int partSize, int headLength)
    {
        PartSize = partSize;
        HeadLength = headLength;
        First = new byte[Math.Max(partSize, headLength)];
        FirstLength = headLength;
        Position = headLength;
    }

    public int PartSize { get; }

    public int HeadLength { get; }

    /// <summary>Part 1: the head, then body bytes up to one part size.</summary>
    public byte[] First { get; }

    public int FirstLength { get; private set; }

    /// <summary>Bytes in the part being filled (parts 2..N).</summary>
    public int CurrentLength { get; private set; }

    /// <summary>Bytes of the output so far, including the reserved head.</summary>
    public long Position { get; private set; }

    /// <summary>True when the part being filled is full and must be sent (<see cref="TakePart"/>).</summary>
    public bool IsPartFull => CurrentLength == PartSize;

    /// <summary>Copies from <paramref name="data"/> until part 1 or the current part is full; returns the bytes taken.</summary>
    public int Fill(ReadOnlySpan<byte> data)
    {
        if (_current is null && FirstLength < PartSize)
        {
            int n = Math.Min(data.Length, PartSize - FirstLength);
            data[..n].CopyTo(First.AsSpan(FirstLength));
            FirstLength += n;
            Position += n;
            return n;
        }

        _current ??= _freeBuffers.TryTake(out var reused) ? reused : new byte[PartSize];
        int take = Math.Min(data.Length, PartSize - CurrentLength);
        data[..take].CopyTo(_current.AsSpan(CurrentLength));
        CurrentLength += take;
        Position += take;
        return take;
    }

    /// <summary>Hands over the part being filled; give its buffer back with <see cref="Return"/> once it is sent.</summary>
    public (byte[] Buffer, int Length) TakePart()
    {
        var part = (_current!, CurrentLength);
        _current = null;
        CurrentLength = 0;
        return part;
    }

    public void Return(byte[] buffer) => _freeBuffers.Add(buffer);

    /// <summary>Writes the final head (of <see cref="HeadLength"/> bytes) over the reserved start of part 1.</summary>
    public void WriteHead(ReadOnlySpan<byte> head) => head.CopyTo(First);

    /// <summary>The whole output as one body, for an output that never needed a second part sent.</summary>
    public byte[] Whole()
    {
        byte[] body = First;
        if (CurrentLength > 0)
        {
            body = new byte[FirstLength + CurrentLength];
            First.AsSpan(0, FirstLength).CopyTo(body);
            _current.AsSpan(0, CurrentLength).CopyTo(body.AsSpan(FirstLength));
        }

        if (FirstLength + CurrentLength != Position)
        {
            throw new InvalidOperationException("internal error: buffered bytes do not match the position");
        }

        return body;
    }

    /// <summary>Lets go of every buffer (the output was aborted).</summary>
    public void Release()
    {
        _current = null;
        _freeBuffers.Clear();
    }
}
