namespace BtfConvert.Core.IO;

/// <summary>Bytes in memory as a source (small files, tests, fuzzing).</summary>
/// <param name="eTag">The version the caller's storage reports for these bytes (recorded with the output), if any.</param>
internal sealed class MemoryByteSource(string name, ReadOnlyMemory<byte> data, string? eTag = null) : IByteSource
{
    public string Name { get; } = name;
    public string? ETag { get; } = eTag;
    public long Length => data.Length;
    public ReadAheadPolicy ReadAhead { get; } = ReadAheadPolicy.Fixed(1 << 20, 1);

    public ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (offset < 0 || offset > data.Length || buffer.Length > data.Length - offset)
        {
            throw new EndOfStreamException($"{Name}: read of {buffer.Length} bytes at {offset} is past the end ({data.Length} bytes)");
        }

        data.Span.Slice((int)offset, buffer.Length).CopyTo(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
