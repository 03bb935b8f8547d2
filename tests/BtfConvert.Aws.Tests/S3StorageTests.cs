using Amazon.S3.Model;
using BtfConvert.Aws.Tests.Support;
using BtfConvert.Core;
using BtfConvert.Core.IO;

namespace BtfConvert.Aws.Tests;

[Collection(S3Collection.Name)]
public sealed class S3StorageTests(S3ServerFixture server)
{
    [SkippableFact]
    public async Task Info_is_null_for_a_missing_key_and_describes_an_existing_object()
    {
        server.Require();
        using var storage = new S3Storage(server.Settings());
        string key = server.NewKey("object.bin");
        Assert.Null(await storage.GetInfoAsync(server.Uri(key), default));

        using (var body = new MemoryStream(new byte[1234]))
        {
            var put = new PutObjectRequest { BucketName = S3ServerFixture.Bucket, Key = key, InputStream = body, UseChunkEncoding = false };
            put.Metadata["btfconvert-source-etag"] = "\"abc\"";
            await server.Client.PutObjectAsync(put);
        }

        var info = await storage.GetInfoAsync(server.Uri(key), default);
        Assert.NotNull(info);
        Assert.Equal(server.Uri(key), info.Location);
        Assert.Equal(1234, info.Length);
        Assert.False(string.IsNullOrEmpty(info.ETag));
        Assert.NotNull(info.LastModified);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - info.LastModified!.Value).TotalMinutes) < 10);
        Assert.Equal("\"abc\"", info.Metadata["btfconvert-source-etag"]);
    }

    [SkippableFact]
    public async Task A_missing_bucket_is_an_error_not_a_missing_object()
    {
        server.Require();
        using var storage = new S3Storage(server.Settings());
        var e = await Assert.ThrowsAsync<StorageException>(() => storage.GetInfoAsync("s3://no-such-bucket-here/x.btf", default));
        Assert.Equal("s3://no-such-bucket-here/x.btf: the bucket 'no-such-bucket-here' does not exist", e.Message);
    }

    [SkippableFact]
    public async Task Listing_follows_continuation_tokens_through_every_page()
    {
        server.Require();
        using var storage = new S3Storage(server.Settings() with { ListPageSize = 2 });
        string prefix = server.NewKey("listing/");
        string[] names = ["a.btf", "b.btf", "sub/c.btf", "sub/deeper/d.btf", "e.btf"];
        foreach (string name in names)
        {
            await server.PutAsync(prefix + name, [1, 2, 3]);
        }

        await server.PutAsync(prefix.TrimEnd('/') + "-sibling/x.btf", [1]);
        var listed = new List<StorageObjectInfo>();
        await foreach (var item in storage.ListAsync(server.Uri(prefix), default))
        {
            listed.Add(item);
        }

        Assert.Equal(names.Select(n => server.Uri(prefix + n)).Order(StringComparer.Ordinal), listed.Select(i => i.Location));
        Assert.All(listed, i => Assert.Equal(3, i.Length));
    }
}
