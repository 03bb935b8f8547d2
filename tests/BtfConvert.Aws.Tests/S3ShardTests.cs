using Amazon.S3.Model;
using BtfConvert.Aws.Tests.Support;
using BtfConvert.Cli;

namespace BtfConvert.Aws.Tests;

/// <summary>
/// <c>batch --shard</c> S3 → S3 against the real local server: N workers started at once as separate processes
/// convert every object once, as one unsharded run would; a rerun converts nothing; a worker killed mid-way
/// leaves no object behind and its rerun completes.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3ShardTests(S3ServerFixture server) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ShardFleet Fleet(string source, string destination, int count)
    {
        string locks = _dir.File("locks");
        Directory.CreateDirectory(locks);
        return new ShardFleet(_dir.Path, count, server.Uri(source), server.Uri(destination), "--lock-dir", locks, "-c", "deflate",
            "--endpoint-url", server.Endpoint, "--path-style");
    }

    /// <summary>Every object below a prefix, key relative to it → bytes.</summary>
    private async Task<SortedDictionary<string, byte[]>> ObjectsAsync(string prefix)
    {
        var listed = await server.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3ServerFixture.Bucket, Prefix = prefix });
        var objects = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var o in listed.S3Objects ?? [])
        {
            objects[o.Key[prefix.Length..]] = RecordedTime.Masked((await server.GetAsync(o.Key))!);
        }

        return objects;
    }

    [SkippableFact]
    public async Task Shards_started_at_once_convert_every_object_once_as_an_unsharded_run_does_and_a_rerun_converts_nothing()
    {
        server.Require();
        string prefix = server.NewKey(string.Empty);
        var inputs = Enumerable.Range(0, 8).Select(i => $"{(i % 2 == 0 ? "even" : "odd")}/slide-{i}.btf").ToList();
        foreach (var (key, seed) in inputs.Select((k, i) => (k, i)))
        {
            await server.PutAsync(prefix + "in/" + key, SampleInputs.Btf(300, 200, seed));
        }

        var fleet = Fleet(prefix + "in/", prefix + "out/", 3);
        await fleet.RunAllAtOnceAsync("--jobs", "1");
        Assert.Equal(inputs.Select(k => server.Uri(prefix + "in/" + k)).Order(StringComparer.Ordinal), fleet.ConvertedSources());

        var whole = await CliRunner.RunAsync("batch", server.Uri(prefix + "in/"), server.Uri(prefix + "whole/"), "-c", "deflate",
            "--lock-dir", _dir.File("locks"), "--endpoint-url", server.Endpoint, "--path-style");
        Assert.True(whole.ExitCode == ExitCodes.Success, whole.Output);
        var sharded = await ObjectsAsync(prefix + "out/");
        Assert.Equal(inputs.Count, sharded.Count);
        Assert.Equal(await ObjectsAsync(prefix + "whole/"), sharded);

        await fleet.RerunConvertsNothingAsync(inputs.Count);
    }

    [SkippableFact]
    public async Task A_shard_killed_mid_way_leaves_no_object_half_written_and_its_rerun_completes()
    {
        server.Require();
        Skip.If(OperatingSystem.IsWindows(), "POSIX signals");
        string prefix = server.NewKey(string.Empty);
        var shardZero = Enumerable.Range(0, 40).Select(i => $"s{i}.btf").Where(k => Core.Batch.ShardSpec.ShardOf(k, 2) == 0).Take(3).ToList();
        foreach (var (key, seed) in shardZero.Select((k, i) => (k, i)))
        {
            await server.PutAsync(prefix + "in/" + key, SampleInputs.Btf(600, 400, seed));
        }

        // The shard pauses after its first output (test-only hook) and is killed there.
        var fleet = Fleet(prefix + "in/", prefix + "out/", 2);
        await fleet.KillAfterFirstOutputAsync(0, "--jobs", "1", "--threads", "1");
        var published = await ObjectsAsync(prefix + "out/");
        Assert.Single(published);

        await fleet.RunAllAtOnceAsync();
        Assert.Equal(shardZero.Count - published.Count, fleet.Items("converted").Count);
        var after = await ObjectsAsync(prefix + "out/");
        Assert.Equal(shardZero.Count, after.Count);
        // What was published before the kill was whole: the rerun skipped it, and it verifies.
        foreach (var (key, bytes) in published)
        {
            Assert.Equal(bytes, after[key]);
            var verify = await CliRunner.RunAsync("verify", server.Uri(prefix + "out/" + key), "--endpoint-url", server.Endpoint, "--path-style");
            Assert.True(verify.ExitCode == ExitCodes.Success, verify.Output);
        }
    }
}
