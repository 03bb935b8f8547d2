using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using BtfConvert.Core.Batch;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Record;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Batch;

/// <summary>
/// The runner over an object store kept in memory, which behaves like S3 where the batch cares (keys, ETags,
/// metadata stored with the object, nothing visible before the commit). The real S3 server is exercised in
/// BtfConvert.Aws.Tests; this checks the runner's own rules quickly.
/// </summary>
public sealed class BatchRunnerTests
{
    private sealed class ObjectStore : IStorage
    {
        private int _open;

        public ConcurrentDictionary<string, (byte[] Data, IReadOnlyDictionary<string, string> Metadata)> Objects { get; } = new();
        public int MaxConcurrentOutputs;

        public bool CanHandle(string location) => location.StartsWith("mem://", StringComparison.Ordinal);

        public void Put(string location, byte[] data) => Objects[location] = (data, new Dictionary<string, string>());

        public Task<IByteSource> OpenReadAsync(string location, CancellationToken cancellationToken) =>
            Objects.TryGetValue(location, out var o)
                ? Task.FromResult<IByteSource>(new MemoryByteSource(location, o.Data, Describe(location, o.Data, o.Metadata).ETag))
                : throw new FileNotFoundException($"{location}: no such object");

        public Task<IByteSink> CreateAsync(string location, SinkOptions options, CancellationToken cancellationToken)
        {
            if (!options.Overwrite && Objects.ContainsKey(location))
            {
                throw new OutputExistsException($"{location}: output exists");
            }

            return Task.FromResult<IByteSink>(new Sink(this, location, options.Metadata));
        }

        public Task<StorageObjectInfo?> GetInfoAsync(string location, CancellationToken cancellationToken) =>
            Task.FromResult(Objects.TryGetValue(location, out var o) ? Describe(location, o.Data, o.Metadata) : null);

        public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var (key, o) in Objects.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    // Listings carry no user metadata (as ListObjectsV2).
                    yield return Describe(key, o.Data, new Dictionary<string, string>());
                }
            }
        }

        private static StorageObjectInfo Describe(string key, byte[] data, IReadOnlyDictionary<string, string> metadata) =>
            new(key, data.Length, "\"" + Convert.ToHexStringLower(MD5.HashData(data)) + "\"", null, metadata);

        private sealed class Sink(ObjectStore store, string location, IReadOnlyDictionary<string, string> metadata) : IByteSink
        {
            private readonly MemoryByteSink _inner = new(location);
            private bool _counted;

            public string Name => location;
            public long Position => _inner.Position;

            public ValueTask OpenAsync(int headLength, long estimatedLength, CancellationToken cancellationToken)
            {
                int open = Interlocked.Increment(ref store._open);
                _counted = true;
                int max;
                while ((max = Volatile.Read(ref store.MaxConcurrentOutputs)) < open
                    && Interlocked.CompareExchange(ref store.MaxConcurrentOutputs, open, max) != max)
                {
                }

                return _inner.OpenAsync(headLength, estimatedLength, cancellationToken);
            }

            public ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _inner.AppendAsync(data, cancellationToken);

            public async ValueTask CommitAsync(ReadOnlyMemory<byte> head, CancellationToken cancellationToken)
            {
                await _inner.CommitAsync(head, cancellationToken);
                // S3-style names: the record comes back with the x-amz-meta- prefix some clients keep.
                store.Objects[location] = (_inner.Committed!, metadata.ToDictionary(kv => "x-amz-meta-" + kv.Key, kv => kv.Value));
                Release();
            }

            public async ValueTask AbortAsync()
            {
                await _inner.AbortAsync();
                Release();
            }

            public ValueTask DisposeAsync() => AbortAsync();

            private void Release()
            {
                if (_counted)
                {
                    _counted = false;
                    Interlocked.Decrement(ref store._open);
                }
            }
        }
    }

    private sealed class Recorder : IBatchObserver
    {
        public ConcurrentBag<BatchItemResult> Results { get; } = [];
        public ConcurrentBag<string> Warnings { get; } = [];

        public void Started(BatchItem item)
        {
        }

        public void Progress(BatchItem item, long bytesRead)
        {
        }

        public void Warning(BatchItem item, string message) => Warnings.Add(message);

        public void Finished(BatchItemResult result) => Results.Add(result);

        public string[] With(BatchStatus status) => Results.Where(r => r.Status == status).Select(r => r.Item.RelativePath).Order(StringComparer.Ordinal).ToArray();
    }

    private static byte[] Slide(int seed)
    {
        using var stream = new MemoryStream();
        BtfSampleWriter.Write(stream, new SampleSpec { Width = 300, Height = 200, Seed = seed });
        return stream.ToArray();
    }

    private static async Task<(BatchSummary Summary, Recorder Recorder)> RunAsync(ObjectStore store, int jobs = 2, bool failFast = false)
    {
        var recorder = new Recorder();
        var runner = new BatchRunner(store, new BatchSettings
        {
            Source = "mem://in",
            Destination = "mem://out/",
            Options = new ConversionOptions { Compression = TileCompression.Deflate },
            Jobs = jobs,
            FailFast = failFast,
        }, recorder);
        var plan = await runner.PlanAsync(default);
        return (await runner.RunAsync(plan, default), recorder);
    }

    [Fact]
    public async Task Converts_once_records_metadata_and_skips_on_the_next_run()
    {
        var store = new ObjectStore();
        string[] keys = ["a.btf", "d1/b.btf", "d1/d2/c.btf", "d1/d2/d3/d.btf", "e.btf"];
        for (int i = 0; i < keys.Length; i++)
        {
            store.Put("mem://in/" + keys[i], Slide(i));
        }

        store.Put("mem://in/d1/readme.txt", "x"u8.ToArray());
        var (summary, recorder) = await RunAsync(store);
        Assert.Equal(keys, recorder.With(BatchStatus.Converted));
        Assert.Equal(5, summary.Converted);
        Assert.InRange(store.MaxConcurrentOutputs, 1, 2);
        var output = store.Objects["mem://out/d1/d2/c.tiff"];
        Assert.Equal("mem://in/d1/d2/c.btf", output.Metadata["x-amz-meta-" + OutputRecord.Source]);

        (summary, recorder) = await RunAsync(store);
        Assert.Equal(keys, recorder.With(BatchStatus.Skipped));
        Assert.Equal(0, summary.Converted);

        store.Put("mem://in/d1/b.btf", Slide(77));
        (summary, recorder) = await RunAsync(store);
        Assert.Equal(["d1/b.btf"], recorder.With(BatchStatus.Converted));
    }

    [Fact]
    public async Task Jobs_bound_the_conversions_in_flight()
    {
        var store = new ObjectStore();
        for (int i = 0; i < 8; i++)
        {
            store.Put($"mem://in/s{i}.btf", Slide(i));
        }

        var (summary, _) = await RunAsync(store, jobs: 3);
        Assert.Equal(8, summary.Converted);
        Assert.InRange(store.MaxConcurrentOutputs, 1, 3);

        var serial = new ObjectStore();
        serial.Put("mem://in/a.btf", Slide(1));
        serial.Put("mem://in/b.btf", Slide(2));
        await RunAsync(serial, jobs: 1);
        Assert.Equal(1, serial.MaxConcurrentOutputs);
    }

    [Fact]
    public async Task A_vanished_or_bad_input_fails_alone_and_fail_fast_stops_the_rest()
    {
        var store = new ObjectStore();
        store.Put("mem://in/a.btf", "broken"u8.ToArray());
        store.Put("mem://in/b.btf", Slide(2));
        store.Put("mem://in/c.btf", Slide(3));
        var (summary, recorder) = await RunAsync(store);
        Assert.Equal(["a.btf"], recorder.With(BatchStatus.Failed));
        Assert.Equal(2, summary.Converted);
        Assert.False(store.Objects.ContainsKey("mem://out/a.tiff"));

        var fresh = new ObjectStore();
        fresh.Put("mem://in/a.btf", "broken"u8.ToArray());
        fresh.Put("mem://in/b.btf", Slide(2));
        fresh.Put("mem://in/c.btf", Slide(3));
        (summary, recorder) = await RunAsync(fresh, jobs: 1, failFast: true);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(2, summary.NotAttempted);
        Assert.DoesNotContain(fresh.Objects.Keys, k => k.StartsWith("mem://out/", StringComparison.Ordinal));
    }
}
