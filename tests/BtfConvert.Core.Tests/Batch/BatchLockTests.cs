using BtfConvert.Core.Batch;

namespace BtfConvert.Core.Tests.Batch;

public sealed class BatchLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("btfconvert-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_path_depends_on_the_destination_only()
    {
        Assert.Equal(BatchLock.PathFor("s3://b/p/", _dir), BatchLock.PathFor("s3://b/p/", _dir));
        Assert.NotEqual(BatchLock.PathFor("s3://b/p/", _dir), BatchLock.PathFor("s3://b/q/", _dir));
        Assert.StartsWith(_dir, BatchLock.PathFor("s3://b/p/", _dir), StringComparison.Ordinal);
    }

    [Fact]
    public void A_destination_reached_through_a_symbolic_link_has_the_same_lock()
    {
        string real = Directory.CreateDirectory(Path.Combine(_dir, "data", "tiles")).FullName;
        string link = Path.Combine(_dir, "mnt-tiles");
        Directory.CreateSymbolicLink(link, real);

        Assert.Equal(BatchLock.PathFor(real, _dir), BatchLock.PathFor(link, _dir));
        Assert.Equal(BatchLock.PathFor(Path.Combine(real, "new", "sub"), _dir), BatchLock.PathFor(Path.Combine(link, "new", "sub"), _dir));
        Assert.NotEqual(BatchLock.PathFor(real, _dir), BatchLock.PathFor(Path.Combine(_dir, "data"), _dir));
        using var held = BatchLock.TryAcquire(BatchLock.PathFor(real, _dir), "through the real path");
        Assert.NotNull(held);
        Assert.Null(BatchLock.TryAcquire(BatchLock.PathFor(link, _dir), "through the link"));
    }

    [Fact]
    public void Shards_lock_apart_and_copies_of_one_shard_together()
    {
        var (zero, one) = (ShardSpec.Parse("0/2"), ShardSpec.Parse("1/2"));
        Assert.Equal(BatchLock.PathFor("s3://b/p/", _dir), BatchLock.PathFor("s3://b/p/", _dir, ShardSpec.Whole));
        Assert.NotEqual(BatchLock.PathFor("s3://b/p/", _dir, zero), BatchLock.PathFor("s3://b/p/", _dir, one));
        Assert.EndsWith("-shard-1-of-2.lock", BatchLock.PathFor("s3://b/p/", _dir, one), StringComparison.Ordinal);
        using var held = BatchLock.TryAcquire(BatchLock.PathFor("s3://b/p/", _dir, zero), "shard 0");
        Assert.NotNull(held);
        using var other = BatchLock.TryAcquire(BatchLock.PathFor("s3://b/p/", _dir, one), "shard 1");
        Assert.NotNull(other);
        Assert.Null(BatchLock.TryAcquire(BatchLock.PathFor("s3://b/p/", _dir, ShardSpec.Parse("0/2")), "shard 0 again"));
    }

    [Fact]
    public async Task A_held_lock_refuses_a_second_holder_until_released()
    {
        string path = BatchLock.PathFor("/out", _dir);
        var first = BatchLock.TryAcquire(path, "first");
        Assert.NotNull(first);
        Assert.Null(BatchLock.TryAcquire(path, "second"));
        var waiting = BatchLock.AcquireAsync(path, "waiter", default);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        first.Dispose();
        var second = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(BatchLock.TryAcquire(path, "third"));
        second.Dispose();
        // The file names its last holder for people (cat does not take the lock; .NET readers do, hence after release).
        Assert.Contains("waiter", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_lock_directory_is_created()
    {
        string path = BatchLock.PathFor("/out", Path.Combine(_dir, "state", "locks"));
        using var held = BatchLock.TryAcquire(path, "first");
        Assert.NotNull(held);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Waiting_can_be_cancelled()
    {
        string path = BatchLock.PathFor("/out", _dir);
        using var held = BatchLock.TryAcquire(path, "first");
        using var cts = new CancellationTokenSource(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BatchLock.AcquireAsync(path, "waiter", cts.Token));
    }
}
