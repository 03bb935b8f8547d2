using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace BtfConvert.Aws;

/// <summary>
/// The multipart protocol of one output: initiate, upload parts (<c>partsInFlight</c> at once at first, more when
/// the converter would otherwise wait on the uploads, up to <c>maxPartsInFlight</c>; S3 assembles them by number,
/// not by arrival), complete, or abort — the upload commands, kept apart from the part
/// buffer and from publishing as in the AWS SDK's TransferUtility. The first failed part cancels the others and
/// is rethrown at the next call.
/// </summary>
internal sealed class S3MultipartUpload : IDisposable
{
    private readonly IAmazonS3 _client;
    private readonly S3Location _location;
    private readonly string _contentType;
    private readonly IReadOnlyDictionary<string, string> _metadata;
    private readonly CancellationTokenSource _failure = new();
    private readonly SemaphoreSlim _slots;
    private readonly List<Task> _uploads = [];
    private readonly List<PartETag> _parts = [];
    private readonly Lock _partsLock = new();
    private readonly int _maxSlots;
    private int _slotCount;
    private int _active;
    private int _peakActive;
    private Exception? _uploadError;

    /// <param name="metadata">User metadata of the object, already safe for HTTP headers.</param>
    public S3MultipartUpload(IAmazonS3 client, S3Location location, string contentType, IReadOnlyDictionary<string, string> metadata,
        int partsInFlight, int maxPartsInFlight)
    {
        _client = client;
        _location = location;
        _contentType = contentType;
        _metadata = metadata;
        _slotCount = Math.Max(1, partsInFlight);
        _maxSlots = Math.Max(_slotCount, maxPartsInFlight);
        _slots = new SemaphoreSlim(_slotCount);
        Name = location.ToString();
    }

    /// <summary>Most parts uploading at once.</summary>
    public int PeakPartsInFlight => Volatile.Read(ref _peakActive);

    public string Name { get; }

    /// <summary>Set once the upload was initiated (by the first part).</summary>
    public string? UploadId { get; private set; }

    public int PartsUploaded { get { lock (_partsLock) { return _parts.Count; } } }

    /// <summary>
    /// Starts uploading part <paramref name="number"/> in the background once a slot is free — back-pressure, so a
    /// new buffer is filled only when one is on its way back; <paramref name="sent"/> gets the buffer afterwards.
    /// </summary>
    public async Task StartPartAsync(int number, byte[] buffer, int length, Action<byte[]> sent, CancellationToken cancellationToken)
    {
        UploadId ??= await InitiateAsync(cancellationToken).ConfigureAwait(false);
        // Every slot busy: the output is what the converter would wait for, so add one (the new slot is taken at
        // once) rather than throttle the input; past the maximum, wait as before.
        if (!_slots.Wait(0))
        {
            if (_slotCount < _maxSlots)
            {
                _slotCount++;
            }
            else
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _failure.Token);
                try
                {
                    await _slots.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    ThrowIfFailed();
                    throw;
                }
            }
        }

        int active = Interlocked.Increment(ref _active);
        _peakActive = Math.Max(_peakActive, active);
        _uploads.Add(Task.Run(() => UploadPartAsync(number, buffer, length, sent), CancellationToken.None));
    }

    /// <summary>
    /// Uploads part 1 (sent last: it holds the head), waits for every part and completes the upload of
    /// <paramref name="partCount"/> parts. Only the Complete request runs under <paramref name="publishToken"/>.
    /// </summary>
    public async Task CompleteAsync(byte[] first, int firstLength, int partCount, CancellationToken cancellationToken,
        CancellationToken publishToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _active);
        _uploads.Add(UploadPartAsync(1, first, firstLength, sent: null));
        await Task.WhenAll(_uploads).ConfigureAwait(false);
        ThrowIfFailed();
        cancellationToken.ThrowIfCancellationRequested();
        List<PartETag> parts;
        lock (_partsLock)
        {
            parts = [.. _parts.OrderBy(p => p.PartNumber)];
        }

        if (parts.Count != partCount)
        {
            throw new IOException($"{Name}: {parts.Count} of {partCount} parts were uploaded");
        }

        await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _location.Bucket,
            Key = _location.Key,
            UploadId = UploadId,
            PartETags = parts,
        }, publishToken).ConfigureAwait(false);
    }

    public void ThrowIfFailed()
    {
        if (Volatile.Read(ref _uploadError) is { } e)
        {
            throw S3ErrorTranslator.Translate(e, Name) ?? new IOException($"{Name}: uploading a part failed: {e.Message}", e);
        }
    }

    /// <summary>Cancels the parts in flight and aborts the upload, best effort.</summary>
    public async Task AbortAsync()
    {
        await _failure.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_uploads).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the uploads record their own errors; we are discarding everything anyway
        }

        if (UploadId is null)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = _location.Bucket,
                Key = _location.Key,
                UploadId = UploadId,
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonS3Exception or OperationCanceledException or HttpRequestException or AmazonClientException)
        {
            // Best effort: some servers answer 405 (s3rver) and a lost connection cannot be helped. The
            // parts are invisible and a bucket lifecycle rule (AbortIncompleteMultipartUpload) reclaims them.
        }
    }

    public void Dispose()
    {
        _failure.Dispose();
        _slots.Dispose();
    }

    private async Task UploadPartAsync(int number, byte[] buffer, int length, Action<byte[]>? sent)
    {
        try
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            var response = await _client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _location.Bucket,
                Key = _location.Key,
                UploadId = UploadId,
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
            sent?.Invoke(buffer);
            Interlocked.Decrement(ref _active);
            _slots.Release();
        }
    }

    private async Task<string> InitiateAsync(CancellationToken cancellationToken)
    {
        var request = new InitiateMultipartUploadRequest
        {
            BucketName = _location.Bucket,
            Key = _location.Key,
            ContentType = _contentType,
        };
        foreach (var (key, value) in _metadata)
        {
            request.Metadata[key] = value;
        }

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
}
