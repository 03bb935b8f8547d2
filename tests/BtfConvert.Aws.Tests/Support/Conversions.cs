using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;

namespace BtfConvert.Aws.Tests.Support;

/// <summary>Library-level conversions with any source and sink, and the in-memory reference to compare with.</summary>
public static class Conversions
{
    public const string InputName = "in.btf";

    public static ConversionOptions Options(TileCompression compression) => new() { Compression = compression, Threads = 2 };

    /// <summary>The reference: the same input converted from memory to memory (the local code path's bytes).</summary>
    public static async Task<byte[]> ReferenceAsync(byte[] input, ConversionOptions options)
    {
        await using var source = new MemoryByteSource(InputName, input);
        var sink = new MemoryByteSink();
        await ConvertAsync(source, sink, options);
        return sink.Committed!;
    }

    public static async Task<ConversionResult> ConvertAsync(IByteSource source, IByteSink sink, ConversionOptions options,
        CancellationToken cancellationToken = default)
    {
        var info = await SourceInspector.InspectAsync(source, cancellationToken);
        return await TiffConverter.ConvertAsync(info, source, sink, options, null, cancellationToken);
    }
}

/// <summary>Delegates to a source and runs a hook before chosen reads (to fail, or to change the object, mid-read).</summary>
public sealed class HookedSource(IByteSource inner, Func<int, Task> beforeRead) : IByteSource
{
    private int _reads;

    public string Name => inner.Name;
    public long Length => inner.Length;
    public int PreferredReadSize => inner.PreferredReadSize;
    public int PreferredConcurrency => inner.PreferredConcurrency;
    public int MaxConcurrency => inner.MaxConcurrency;
    public string? ETag => inner.ETag;

    public async ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await beforeRead(Interlocked.Increment(ref _reads));
        await inner.ReadExactlyAsync(offset, buffer, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
