using System.Collections.Concurrent;
using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BtfConvert.Core;
using BtfConvert.Core.IO;

namespace BtfConvert.Aws;

/// <summary>
/// Streams an output to S3 without a local temporary file. The head (TIFF header + every IFD) is only final at
/// commit, so part 1 — the reserved head plus the first tiles, at least one part size — stays in memory and is
/// uploaded last, patched; parts 2..N upload as they fill, a bounded number at once (S3 assembles parts by number,
/// not by arrival). Outputs smaller than about two parts go up as one PutObject at commit. Anything but a
/// successful commit aborts the multipart upload, so no object ever appears at the key.
/// Memory: part 1 + (MaxPartsInFlight + 1) × part size, in buffers of exactly the part size that are reused.
/// </summary>
public sealed class S3ByteSink : IByteSink
{
    private readonly IAmazonS3 _client;
    private readonly S3Location _location;
    private readonly SinkOptions _options;
    private readonly S3Settings _settings;
    private readonly CancellationTokenSource _failure = new();
    private readonly List<Task> _uploads = [];
    private readonly List<PartETag> _parts = [];
    private readonly Lock _partsLock = new();
    // Own buffers rather than ArrayPool: the shared pool rounds 5 MiB up to 8 MiB and keeps what it hands out.
    private readonly ConcurrentBag<byte[]> _freeBuffers = [];
    private SemaphoreSlim? _slots;
    private byte[]? _first;
    private int _firstLength;
    private byte[]? _current;
    private int _currentLength;
    private int _nextPartNumber = 2;
    private int _headLength = -1;
    private string? _uploadId;
    private Exception? _uploadError;
    private bool _committed;
    private bool _aborted;

    /// <summary>Recorded with the object, so a publish whose answer was lost can be recognised as ours afterwards.</summary>
    private readonly string _uploadToken = Guid.NewGuid().ToString("N");

    /// <summary>Metadata name of <see cref="_uploadToken"/>.</summary>
    public const string UploadTokenKey = "btfconvert-upload";

    /// <summary>How long publishing may take at most, and how long it may still take once cancellation is asked for.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan PublishGrace = TimeSpan.FromSeconds(20);

    public S3ByteSink(IAmazonS3 client, S3Location location, SinkOptions options, S3Settings settings)
    {
        _client = client;
        _location = location;
        _options = options;
        _settings = settings;
        Name = location.ToString();
    }

    public string Name { get; }
    public long Position { get; private set; }

    /// <summary>The part size chosen at open.</summary>
    public int PartSize { get; private set; }

    /// <summary>Parts uploaded so far (part 1 counts once it is sent at commit).</summary>
    public int PartsUploaded { get { lock (_partsLock) { return _parts.Count; } } }

    /// <summary>Set once a multipart upload was started (diagnostics and tests).</summary>
    public string? UploadId => _uploadId;

    /// <summary>Picks a part size from the expected size: ≥ 5 MiB, whole MiB, and at most 10,000 parts (with margin).</summary>
    public static int ChoosePartSize(long estimatedLength)
    {
        long perPart = (Math.Max(0, estimatedLength) / (S3Settings.MaxParts * 9 / 10)) + 1;
        long size = Math.Max(S3Settings.MinPartSize, (perPart + (1 << 20) - 1) & ~((1L << 20) - 1));
        return (int)Math.Min(size, 1L << 30);
    }

    public ValueTask OpenAsync(int headLength, long estimatedLength, CancellationToken cancellationToken)
    {
        if (_headLength >= 0)
        {
            throw new InvalidOperationException("sink already opened");
        }

        PartSize = _settings.PartSize ?? ChoosePartSize(estimatedLength);
        _slots = new SemaphoreSlim(Math.Max(1, _settings.MaxPartsInFlight));
        _headLength = headLength;
        _first = new byte[Math.Max(PartSize, headLength)];
        _firstLength = headLength;
        Position = headLength;
        return ValueTask.CompletedTask;
    }

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_first is null || _committed || _aborted)
        {
            throw IByteSink.NotOpened();
        }

        ThrowIfUploadFailed();
        while (data.Length > 0)
        {
            if (_current is null && _firstLength < PartSize)
            {
                int n = Math.Min(data.Length, PartSize - _firstLength);
                data.Span[..n].CopyTo(_first.AsSpan(_firstLength));
                _firstLength += n;
                Position += n;
                data = data[n..];
                continue;
            }

            _current ??= _freeBuffers.TryTake(out var reused) ? reused : new byte[PartSize];
            int take = Math.Min(data.Length, PartSize - _currentLength);
            data.Span[..take].CopyTo(_current.AsSpan(_currentLength));
            _currentLength += take;
            Position += take;
            data = data[take..];
            if (_currentLength == PartSize)
            {
                await StartPartUploadAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task StartPartUploadAsync(CancellationToken cancellationToken)
    {
        if (_nextPartNumber > S3Settings.MaxParts)
        {
            throw new IOException($"{Name}: the output needs more than {S3Settings.MaxParts} parts of {PartSize} bytes");
        }

        _uploadId ??= await InitiateAsync(cancellationToken).ConfigureAwait(false);
        // Back-pressure: wait for a free slot before the next buffer is filled, so memory stays bounded.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _failure.Token);
        try
        {
            await _slots!.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ThrowIfUploadFailed();
            throw;
        }

        byte[] buffer = _current!;
        int length = _currentLength;
        int number = _nextPartNumber++;
        _current = null;
        _currentLength = 0;
        _uploads.Add(Task.Run(() => UploadPartAsync(number, buffer, length, pooled: true), CancellationToken.None));
    }

    private async Task UploadPartAsync(int number, byte[] buffer, int length, bool pooled)
    {
        try
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            var response = await _client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _location.Bucket,
                Key = _location.Key,
                UploadId = _uploadId,
                PartNumber = number,
                PartSize = length,
                InputStream = body,
                // aws-chunked bodies are stored verbatim (chunk signatures included) by several S3-compatible
                // servers; a plain body with a signed payload hash works everywhere.
                UseChunkEncoding = false,
            }, _failure.Token).ConfigureAwait(false);
            lock (_partsLock)
            {
                _parts.Add(new PartETag(number, response.ETag));
            }
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _uploadError, e, null);
            await _failure.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            if (pooled)
            {
                _freeBuffers.Add(buffer);
            }

            _slots!.Release();
        }
    }

    private async Task<string> InitiateAsync(CancellationToken cancellationToken)
    {
        var request = new InitiateMultipartUploadRequest
        {
            BucketName = _location.Bucket,
            Key = _location.Key,
            ContentType = _options.ContentType,
        };
        AddMetadata(request.Metadata);
        try
        {
            var response = await _client.InitiateMultipartUploadAsync(request, cancellationToken).ConfigureAwait(false);
            return response.UploadId;
        }
        catch (Exception e) when (S3ErrorTranslator.Translate(e, Name) is { } translated)
        {
            throw translated;
        }
    }

    private void AddMetadata(MetadataCollection metadata)
    {
        foreach (var (key, value) in _options.Metadata)
        {
            // Metadata travels in HTTP headers, which must be ASCII: escape anything else (e.g. a non-ASCII key
            // in the source URI) rather than have the request refused.
            metadata[key] = value.All(char.IsAscii) && !value.Any(char.IsControl) ? value : Uri.EscapeDataString(value);
        }

        metadata[UploadTokenKey] = _uploadToken;
    }

    private void ThrowIfUploadFailed()
    {
        if (Volatile.Read(ref _uploadError) is { } e)
        {
            throw S3ErrorTranslator.Translate(e, Name) ?? new IOException($"{Name}: uploading a part failed: {e.Message}", e);
        }
    }

    public async ValueTask CommitAsync(ReadOnlyMemory<byte> head, CancellationToken cancellationToken)
    {
        var first = _first ?? throw IByteSink.NotOpened();
        if (head.Length != _headLength)
        {
            throw new ArgumentException($"head is {head.Length} bytes but {_headLength} were reserved", nameof(head));
        }

        head.Span.CopyTo(first);
        try
        {
            await RefuseExistingAsync(cancellationToken).ConfigureAwait(false);
            // The requests that publish the object (the single PUT, CompleteMultipartUpload) are not cancelled
            // the moment a signal comes: cancelling them would not stop the server from completing them, only make
            // us report "nothing left behind" beside a finished object. They get a short grace instead (systemd
            // waits 90 s before SIGKILL), and if their answer is lost the object's upload token tells whether the
            // server published it. Uploading the last parts stays cancellable: nothing is visible before Complete.
            using var publish = new CancellationTokenSource(PublishTimeout);
            using var onCancel = cancellationToken.Register(static p => ((CancellationTokenSource)p!).CancelAfter(PublishGrace), publish);
            try
            {
                if (_uploadId is null)
                {
                    await PutSingleAsync(first, publish.Token).ConfigureAwait(false);
                }
                else
                {
                    await CompleteMultipartAsync(first, cancellationToken, publish.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OutputExistsException)
            {
                // Timed out, cancelled after the grace, or retried by the SDK after a lost answer (a second
                // Complete of a completed upload answers NoSuchUpload): the object may be there all the same.
                if (!await IsPublishedAsync().ConfigureAwait(false))
                {
                    throw;
                }
            }

            _committed = true;
            using var verify = new CancellationTokenSource(PublishGrace);
            await VerifyStoredSizeAsync(verify.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (S3ErrorTranslator.Translate(e, Name) is { } translated)
        {
            throw translated;
        }
    }

    private async Task RefuseExistingAsync(CancellationToken cancellationToken)
    {
        // Checked again just before publishing: another run may have written the key while we converted.
        if (!_options.Overwrite && await S3Storage.HeadAsync(_client, _location, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new OutputExistsException($"{Name}: output appeared while converting (use --overwrite to replace it)");
        }
    }

    private async Task PutSingleAsync(byte[] first, CancellationToken cancellationToken)
    {
        // Below two parts the whole output is already in memory: one request instead of four.
        byte[] body = first;
        if (_currentLength > 0)
        {
            body = new byte[_firstLength + _currentLength];
            first.AsSpan(0, _firstLength).CopyTo(body);
            _current.AsSpan(0, _currentLength).CopyTo(body.AsSpan(_firstLength));
        }

        if (_firstLength + _currentLength != Position)
        {
            throw new InvalidOperationException("internal error: buffered bytes do not match the position");
        }

        using var stream = new MemoryStream(body, 0, (int)Position, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _location.Bucket,
            Key = _location.Key,
            InputStream = stream,
            AutoCloseStream = false,
            ContentType = _options.ContentType,
            UseChunkEncoding = false,
        };
        AddMetadata(request.Metadata);
        await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task CompleteMultipartAsync(byte[] first, CancellationToken cancellationToken, CancellationToken publishToken)
    {
        if (_currentLength > 0)
        {
            await StartPartUploadAsync(cancellationToken).ConfigureAwait(false);
        }

        await _slots!.WaitAsync(cancellationToken).ConfigureAwait(false);
        _uploads.Add(UploadPartAsync(1, first, _firstLength, pooled: false));
        await Task.WhenAll(_uploads).ConfigureAwait(false);
        ThrowIfUploadFailed();
        cancellationToken.ThrowIfCancellationRequested();
        List<PartETag> parts;
        lock (_partsLock)
        {
            parts = [.. _parts.OrderBy(p => p.PartNumber)];
        }

        if (parts.Count != _nextPartNumber - 1)
        {
            throw new IOException($"{Name}: {parts.Count} of {_nextPartNumber - 1} parts were uploaded");
        }

        await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _location.Bucket,
            Key = _location.Key,
            UploadId = _uploadId,
            PartETags = parts,
        }, publishToken).ConfigureAwait(false);
    }

    /// <summary>Whether the object at the key is the one this sink uploaded (its upload token), asked with a fresh deadline.</summary>
    private async Task<bool> IsPublishedAsync()
    {
        try
        {
            using var deadline = new CancellationTokenSource(PublishGrace);
            var stored = await S3Storage.HeadAsync(_client, _location, deadline.Token).ConfigureAwait(false);
            return stored?.Metadata[UploadTokenKey] == _uploadToken;
        }
        catch (Exception e) when (e is AmazonClientException or OperationCanceledException or HttpRequestException or IOException)
        {
            return false;
        }
    }

    private async Task VerifyStoredSizeAsync(CancellationToken cancellationToken)
    {
        // Some S3-compatible stores accept a request whose body they then store differently (aws-chunked framing
        // kept verbatim); a size check catches that before anyone reads a corrupt file.
        var stored = await S3Storage.HeadAsync(_client, _location, cancellationToken).ConfigureAwait(false);
        if (stored is null || stored.ContentLength != Position)
        {
            try
            {
                await _client.DeleteObjectAsync(_location.Bucket, _location.Key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (AmazonS3Exception)
            {
                // best effort; the error below says what happened
            }

            throw new IOException(string.Create(CultureInfo.InvariantCulture,
                $"{Name}: the store kept {stored?.ContentLength ?? 0} bytes but {Position} were sent; the object was deleted (the endpoint may not support this upload mode)"));
        }
    }

    public async ValueTask AbortAsync()
    {
        if (_committed || _aborted)
        {
            return;
        }

        _aborted = true;
        await _failure.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_uploads).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the uploads record their own errors; we are discarding everything anyway
        }

        if (_uploadId is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
                {
                    BucketName = _location.Bucket,
                    Key = _location.Key,
                    UploadId = _uploadId,
                }, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AmazonS3Exception or OperationCanceledException or HttpRequestException or Amazon.Runtime.AmazonClientException)
            {
                // Best effort: some servers answer 405 (s3rver) and a lost connection cannot be helped. The
                // parts are invisible and a bucket lifecycle rule (AbortIncompleteMultipartUpload) reclaims them.
            }
        }

        _current = null;
        _first = null;
        _freeBuffers.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync().ConfigureAwait(false);
        _failure.Dispose();
        _slots?.Dispose();
    }
}
