using BtfConvert.Core;
namespace BtfConvert.Aws.Tests;

public sealed class S3LocationTests
{
    [Theory]
    [InlineData("s3://bucket/key.btf", "bucket", "key.btf")]
    [InlineData("s3://bucket/dir/sub/key.btf", "bucket", "dir/sub/key.btf")]
    [InlineData("S3://My_Bucket/a b.btf", "My_Bucket", "a b.btf")]
    public void Parses_object_uris_and_formats_them_back(string uri, string bucket, string key)
    {
        var location = S3Location.ParseObject(uri);
        Assert.Equal(bucket, location.Bucket);
        Assert.Equal(key, location.Key);
        Assert.Equal($"s3://{bucket}/{key}", location.ToString());
    }

    [Theory]
    [InlineData("s3://bucket", "bucket", "")]
    [InlineData("s3://bucket/", "bucket", "")]
    [InlineData("s3://bucket/scans/", "bucket", "scans/")]
    public void Parses_prefixes(string uri, string bucket, string key)
    {
        var location = S3Location.ParsePrefix(uri);
        Assert.Equal((bucket, key), (location.Bucket, location.Key));
    }

    [Theory]
    [InlineData("s3://", "no bucket name")]
    [InlineData("s3:///key", "no bucket name")]
    [InlineData("s3://bucket", "not an S3 object URI")]
    [InlineData("s3://bucket/dir/", "not an S3 object URI")]
    [InlineData("s3://buck et/key", "not a valid bucket name")]
    [InlineData("http://bucket/key", "not an S3 URI")]
    public void Malformed_object_uris_are_refused_with_the_uri_in_the_message(string uri, string problem)
    {
        var e = Assert.Throws<UsageException>(() => S3Location.ParseObject(uri));
        Assert.StartsWith(uri + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_s3_uris_are_handled_by_the_s3_storage()
    {
        using var storage = new S3Storage(new S3Settings());
        Assert.True(storage.CanHandle("s3://b/k"));
        Assert.False(storage.CanHandle("/data/k.btf"));
        Assert.False(storage.CanHandle("https://b/k"));
    }

    [Fact]
    public void The_endpoint_comes_from_the_option_then_the_s3_variable_then_the_generic_one()
    {
        var env = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_S3"] = "http://s3-specific", ["AWS_ENDPOINT_URL"] = "http://generic" };
        Assert.Equal("http://option", new S3Settings(EndpointUrl: "http://option").EffectiveEndpoint(k => env.GetValueOrDefault(k)));
        Assert.Equal("http://s3-specific", new S3Settings().EffectiveEndpoint(k => env.GetValueOrDefault(k)));
        env.Remove("AWS_ENDPOINT_URL_S3");
        Assert.Equal("http://generic", new S3Settings().EffectiveEndpoint(k => env.GetValueOrDefault(k)));
        env.Clear();
        Assert.Null(new S3Settings().EffectiveEndpoint(k => env.GetValueOrDefault(k)));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L << 30)]
    [InlineData(24L << 30)]
    [InlineData(200L << 30)]
    public void Part_sizes_respect_the_s3_limits(long estimated)
    {
        int size = S3ByteSink.ChoosePartSize(estimated);
        Assert.True(size >= S3Settings.MinPartSize);
        Assert.Equal(0, size % (1 << 20));
        Assert.True((estimated / size) + 1 <= S3Settings.MaxParts);
    }
}
