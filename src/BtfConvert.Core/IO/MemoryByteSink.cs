namespace BtfConvert.Core.IO;

/// <summary>An output in memory (tests, verification of small files). <see cref="Committed"/> is null until commit.</summary>
internal sealed class MemoryByteSink(string name = "memory") : IByteSink
{
    private MemoryStream? _stream;
    private int _headLength;

    public string Name { get; } = name;
    public long Position => _stream?.Length ?? 0;

    /// <summary>The finished file, once <see cref="CommitAsync"/> has run.</summary>
    public byte[]? Committed { get; private set; }

    public bool Aborted { get; private set; }

    public ValueTask OpenAsync(int headLength, long estimatedLength, CancellationToken cancellationToken)
    {
        _headLength = headLength;
        _stream = new MemoryStream();
        _stream.SetLength(headLength);
        _stream.Position = headLength;
        return ValueTask.CompletedTask;
    }

    public ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        (_stream ?? throw IByteSink.NotOpened()).Write(data.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask CommitAsync(ReadOnlyMemory<byte> head, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw IByteSink.NotOpened();
        IByteSink.RequireReservedLength(head, _headLength);

        var bytes = stream.ToArray();
        head.Span.CopyTo(bytes);
        Committed = bytes;
        return ValueTask.CompletedTask;
    }

    public ValueTask AbortAsync()
    {
        Aborted = Committed is null;
        _stream = null;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => Committed is null ? AbortAsync() : ValueTask.CompletedTask;
}
