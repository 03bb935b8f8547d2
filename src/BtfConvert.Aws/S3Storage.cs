using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using BtfConvert.Core;
using BtfConvert.Core.IO;

namespace BtfConvert.Aws;

/// <summary>s3:// locations: ranged-GET sources, multipart sinks, HeadObject info and ListObjectsV2 listings.</summary>
public sealed class S3Storage : IStorage, IDisposable
{
    private const string MetadataPrefix = "x-amz-meta-";
    private readonly Lazy<IAmazonS3> _client;
    private readonly Lazy<IAmazonS3> _readClient;
    private readonly bool _ownsClient;

    /// <summary>Creates the clients on first use, so runs that never touch S3 never resolve credentials.</summary>
    public S3Storage(S3Settings settings)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _client = new Lazy<IAmazonS3>(() => S3ClientFactory.Create(settings));
        // Ranged GETs get a client of their own without SDK retries: S3ByteSource retries them itself, resuming
        // from the byte reached and backing off its concurrency, which it can only do if it sees every 503.
        _readClient = new Lazy<IAmazonS3>(() => S3ClientFactory.Create(settings with { SdkMaxErrorRetry = 0 }));
        _ownsClient = true;
    }

    public S3Storage(S3Settings settings, IAmazonS3 client)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _client = new Lazy<IAmazonS3>(client);
        _readClient = _client;
    }

    public S3Settings Settings { get; }
    public IAmazonS3 Client => _client.Value;

    public bool CanHandle(string location) => S3Location.IsS3Uri(location);

    public async Task<IByteSource> OpenReadAsync(string location, CancellationToken cancellationToken) =>
        await OpenSourceAsync(location, cancellationToken).ConfigureAwait(false);

    /// <summary>Like <see cref="OpenReadAsync"/> with the concrete type (request counters for diagnostics).</summary>
    public Task<S3ByteSource> OpenSourceAsync(string location, CancellationToken cancellationToken) =>
        S3ByteSource.OpenAsync(Client, _readClient.Value, S3Location.ParseObject(location), Settings, cancellationToken);

    public async Task<IByteSink> CreateAsync(string location, SinkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var target = S3Location.ParseObject(location);
        if (!options.Overwrite && await HeadAsync(Client, target, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw OutputExistsException.For(location);
        }

        return new S3ByteSink(Client, target, options, Settings);
    }

    public async Task<StorageObjectInfo?> GetInfoAsync(string location, CancellationToken cancellationToken)
    {
        var target = S3Location.ParseObject(location);
        var head = await HeadAsync(Client, target, cancellationToken).ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string key in head.Metadata.Keys)
        {
            string name = key.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase) ? key[MetadataPrefix.Length..] : key;
            metadata[name] = head.Metadata[key];
        }

        return new StorageObjectInfo(target.ToString(), head.ContentLength, head.ETag, ToOffset(head.LastModified), metadata);
    }

    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var root = S3Location.ParsePrefix(prefix);
        var request = new ListObjectsV2Request
        {
            BucketName = root.Bucket,
            Prefix = root.Key.Length == 0 ? null : root.Key,
            MaxKeys = Settings.ListPageSize,
        };
        // A store that answers "truncated" with a token it already gave would be listed for ever (6,939 calls a
        // minute were seen), holding the batch's lock: a token seen before is refused.
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await Client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (S3ErrorTranslator.Translate(e, prefix) is { } translated)
            {
                throw translated;
            }

            foreach (var o in page.S3Objects ?? [])
            {
                yield return new StorageObjectInfo(new S3Location(root.Bucket, o.Key).ToString(), o.Size ?? 0, o.ETag,
                    ToOffset(o.LastModified), new Dictionary<string, string>());
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            if (!tokens.Add(page.NextContinuationToken))
            {
                throw new StorageException(
                    $"{prefix}: the listing does not end: after {tokens.Count + 1} pages the store returned a continuation token it had already given; " +
                    "the store is faulty (ListObjectsV2 must not repeat a token)");
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>HeadObject; null if the key does not exist; a clear error if the bucket does not.</summary>
    internal static async Task<GetObjectMetadataResponse?> HeadAsync(IAmazonS3 client, S3Location location, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetObjectMetadataAsync(location.Bucket, location.Key, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (S3ErrorTranslator.IsNotFound(e))
        {
            // A HEAD carries no error body, so "no such key" and "no such bucket" look alike: ask the bucket.
            await EnsureBucketExistsAsync(client, location, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (S3ErrorTranslator.Translate(e, location.ToString()) is { } translated)
        {
            throw translated;
        }
    }

    private static async Task EnsureBucketExistsAsync(IAmazonS3 client, S3Location location, CancellationToken cancellationToken)
    {
        try
        {
            await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = location.Bucket, MaxKeys = 1, Prefix = location.Key },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket" || e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new StorageException($"{location}: the bucket '{location.Bucket}' does not exist", e);
        }
        catch (AmazonS3Exception)
        {
            // e.g. no ListBucket permission: we cannot tell, so report the object as missing
        }
    }

    private static DateTimeOffset? ToOffset(DateTime? value) =>
        value is { } v ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime()) : null;

    public void Dispose()
    {
        if (_ownsClient && _client.IsValueCreated)
        {
            _client.Value.Dispose();
        }

        if (_ownsClient && _readClient.IsValueCreated)
        {
            _readClient.Value.Dispose();
        }
    }
}
