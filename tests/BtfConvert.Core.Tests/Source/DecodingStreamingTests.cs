using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tests.Support;

namespace BtfConvert.Core.Tests.Source;

/// <summary>
/// The decoding row source streams: memory does not grow with the image height, and a compressed image is read
/// with a few large requests (what keeps S3 fast), not one per strip or tile.
/// </summary>
public sealed class DecodingStreamingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class CountingSource(IByteSource inner) : IByteSource
    {
        public int Reads;
        public string Name => inner.Name;
        public long Length => inner.Length;
        public int PreferredReadSize => 1 << 20;
        public int PreferredConcurrency => 3;

        public ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Reads);
            return inner.ReadExactlyAsync(offset, buffer, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private static async Task<(long Allocated, int Rows, int Reads)> ReadAllAsync(string path)
    {
        await using var source = new CountingSource(LocalFileSource.Open(path));
        var info = await SourceInspector.InspectAsync(source, default);
        int readsBefore = source.Reads;
        int rows = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        DecodingRowReader.ReadRows(source, info.Main, source.PreferredReadSize, source.PreferredConcurrency, _ => rows++, null, default);
        return (GC.GetAllocatedBytesForCurrentThread() - before, rows, source.Reads - readsBefore);
    }

    [Fact]
    public async Task Decoding_allocates_nothing_per_row_whatever_the_height()
    {
        string shortPath = _dir.File("short.tif"), tallPath = _dir.File("tall.tif");
        LzwTiffWriter.Write(shortPath, 1500, 400, 16);
        LzwTiffWriter.Write(tallPath, 1500, 8000, 16);
        var (shortAllocated, shortRows, _) = await ReadAllAsync(shortPath);
        var (tallAllocated, tallRows, _) = await ReadAllAsync(tallPath);
        Assert.Equal((400, 8000), (shortRows, tallRows));
        // 20× the rows (500 strips of 72 KB instead of 25): the same buffers. Only short-lived codec and read
        // bookkeeping is allocated per strip (measured ~7 KB, garbage at once); a buffer per strip or per row
        // (72 KB, 4.5 KB) would show here.
        double perStrip = (tallAllocated - shortAllocated) / 475.0;
        Assert.True(perStrip < 16 << 10, $"short {shortAllocated:N0} bytes, tall {tallAllocated:N0} bytes: {perStrip:N0} bytes per extra strip");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_compressed_image_is_read_in_few_large_requests(bool tiled)
    {
        string path = _dir.File("lzw.tif");
        LzwTiffWriter.Write(path, 1200, 1600, 8, tiled ? (64, 64) : null);
        long size = new FileInfo(path).Length;
        var (_, rows, reads) = await ReadAllAsync(path);
        Assert.Equal(1600, rows);
        // 200 strips or 475 tiles, read in 1 MiB requests (plus the directory window): a handful, not hundreds.
        long expected = (size >> 20) + 3;
        Assert.True(reads <= expected, $"{reads} reads for {size:N0} bytes (at most {expected})");
    }
}
