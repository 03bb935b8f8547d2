using BtfConvert.Core.Batch;
using BtfConvert.Core.IO;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Batch;

/// <summary>
/// A batch never stalls on one input: an input whose reads stop answering becomes a reported failure after the stall
/// timeout — whether its reads honour cancellation or are blocked where no token reaches — and the others convert.
/// </summary>
public sealed class StallWatchdogTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Local storage whose sources named "stuck*" stop answering after the header and IFDs were read.</summary>
    private sealed class StuckStorage(bool ignoresCancellation) : IStorage
    {
        private readonly LocalStorage _local = new();

        public bool CanHandle(string location) => true;

        public async Task<IByteSource> OpenReadAsync(string location, CancellationToken cancellationToken)
        {
            var source = await _local.OpenReadAsync(location, cancellationToken);
            return Path.GetFileName(location).StartsWith("stuck", StringComparison.Ordinal) ? new StuckSource(source, ignoresCancellation) : source;
        }

        public Task<IByteSink> CreateAsync(string location, SinkOptions options, CancellationToken cancellationToken) =>
            _local.CreateAsync(location, options, cancellationToken);

        public Task<StorageObjectInfo?> GetInfoAsync(string location, CancellationToken cancellationToken) => _local.GetInfoAsync(location, cancellationToken);

        public IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) => _local.ListAsync(prefix, cancellationToken);
    }

    private sealed class StuckSource(IByteSource inner, bool ignoresCancellation) : IByteSource
    {
        public string Name => inner.Name;
        public long Length => inner.Length;
        public ReadAheadPolicy ReadAhead => ReadAheadPolicy.Fixed(inner.ReadAhead.ReadSize, 1);

        public async ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            // The header window (offset 0) and the IFDs at the end answer; the strips (from byte 507) do not.
            if (offset > 0 && offset < inner.Length / 2)
            {
                // A hung mount: with ignoresCancellation, as blocked in the kernel as a read can be.
                await Task.Delay(Timeout.Infinite, ignoresCancellation ? CancellationToken.None : cancellationToken);
            }

            await inner.ReadExactlyAsync(offset, buffer, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stuck_input_is_reported_as_failed_and_the_others_convert(bool ignoresCancellation)
    {
        string source = _dir.File("src"), destination = _dir.File("dst");
        Directory.CreateDirectory(source);
        foreach (string name in new[] { "a.btf", "stuck.btf", "z.btf" })
        {
            BtfSampleWriter.Write(Path.Combine(source, name), new SampleSpec { Width = 300, Height = 200, Seed = 3 });
        }

        var observer = new RecordingObserver();
        var settings = new BatchSettings { Source = source, Destination = destination, Jobs = 1, StallTimeout = TimeSpan.FromSeconds(5) };
        var runner = new BatchRunner(new StuckStorage(ignoresCancellation), settings, observer);
        using var hangGuard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var summary = await runner.RunAsync(await runner.PlanAsync(hangGuard.Token), hangGuard.Token);

        Assert.Equal((2, 1), (summary.Converted, summary.Failed));
        var failed = Assert.Single(observer.Results, r => r.Status == BatchStatus.Failed);
        var error = Assert.IsType<InputStalledException>(failed.Error);
        Assert.StartsWith($"{Path.Combine(source, "stuck.btf")}: no progress for 5 s", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(destination, "a.tiff")) && File.Exists(Path.Combine(destination, "z.tiff")));
        Assert.False(File.Exists(Path.Combine(destination, "stuck.tiff")));
    }

    private sealed class RecordingObserver : IBatchObserver
    {
        public List<BatchItemResult> Results { get; } = [];

        public void Started(BatchItem item)
        {
        }

        public void Progress(BatchItem item, long bytesRead)
        {
        }

        public void Warning(BatchItem item, string message)
        {
        }

        public void Finished(BatchItemResult result)
        {
            lock (Results)
            {
                Results.Add(result);
            }
        }
    }
}
