using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BtfConvert.Core;
using BtfConvert.Core.IO;

namespace BtfConvert.Aws;

/// <summary>
/// Streams an output to S3 without a local temporary file, and publishes it. The head (TIFF header + every IFD) is
/// only final at commit, so part 1 — the reserved head plus the first tiles, at least one part size — stays in
/// memory (<see cref="S3PartBuffer"/>) and is uploaded last, patched; parts 2..N upload as they fill, a bounded
/// number at once (<see cref="S3MultipartUpload"/>). Outputs smaller than about two parts go up as one PutObject at
/// commit. Anything but a successful commit aborts the multipart upload, so no object ever appears at the key.
/// Memory: part 1 + (MaxPartsInFlight + 1) × part size at most, in buffers of exactly the part size that are reused.
/// </summary>
public sealed class S3ByteSink : IByteSink
{
    private readonly IAmazonS3 _client;
    private readonly S3Location _location;
    private readonly SinkOptions _options;
    private readonly S3Settings _settings;
    private readonly Dictionary<string, string> _metadata;
    private readonly S3MultipartUpload _upload;
    private S3PartBuffer? _buffer;
    private int _nextPartNumber = 2;
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
        _metadata = HeaderSafeMetadata(options.Metadata, _uploadToken);
        _upload = new S3MultipartUpload(client, location, options.ContentType, _metadata, settings.InitialPartsInFlight, settings.MaxPartsInFlight);
        Name = location.ToString();
    }

    public string Name { get; }
    public long Position => _buffer?.Position ?? 0;

    /// <summary>Most parts that were uploading at once (diagnostics and tests).</summary>
    public int PeakPartsInFlight => _upload.PeakPartsInFlight;

    /// <summary>The part size chosen at open.</summary>
    public int PartSize { get; private set; }

    /// <summary>Parts uploaded so far (part 1 counts once it is sent at commit).</summary>
    public int PartsUploaded => _upload.PartsUploaded;

    /// <summary>Set once a multipart upload was started (diagnostics and tests).</summary>
    public string? UploadId => _upload.UploadId;

    /// <summary>Picks a part size from the expected size: ≥ 5 MiB, whole MiB, and at most 10,000 parts (with margin).</summary>
    public static int ChoosePartSize(long estimatedLength)
    {
        long perPart = (Math.Max(0, estimatedLength) / (S3Settings.MaxParts * 9 / 10)) + 1;
        long size = Math.Max(S3Settings.MinPartSize, (perPart + (1 << 20) - 1) & ~((1L << 20) - 1));
        return (int)Math.Min(size, 1L << 30);
    }

    public ValueTask OpenAsync(int headLength, long estimatedLength, CancellationToken cancellationToken)
    {
        if (_buffer is not null || _aborted)
        {
            throw new InvalidOperationException("sink already opened");
        }

        PartSize = _settings.PartSize ?? ChoosePartSize(estimatedLength);
        _buffer = new S3PartBuffer(PartSize, headLength);
        return ValueTask.CompletedTask;
    }

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var buffer = _buffer;
        if (buffer is null || _committed || _aborted)
        {
            throw IByteSink.NotOpened();
        }

        _upload.ThrowIfFailed();
        while (data.Length > 0)
        {
            data = data[buffer.Fill(data.Span)..];
            if (buffer.IsPartFull)
            {
                await StartPartUploadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task StartPartUploadAsync(S3PartBuffer buffer, CancellationToken cancellationToken)
    {
        if (_nextPartNumber > S3Settings.MaxParts)
        {
            throw new IOException($"{Name}: the output needs more than {S3Settings.MaxParts} parts of {PartSize} bytes");
        }

        var (part, length) = buffer.TakePart();
        await _upload.StartPartAsync(_nextPartNumber++, part, length, buffer.Return, cancellationToken).ConfigureAwait(false);
    }

    // Metadata travels in HTTP headers, which must be ASCII: escape anything else (e.g. a non-ASCII key in the
    // source URI) rather than have the request refused.
    private static Dictionary<string, string> HeaderSafeMetadata(IReadOnlyDictionary<string, string> metadata, string uploadToken)
    {
        var safe = metadata.ToDictionary(m => m.Key,
            m => m.Value.All(char.IsAscii) && !m.Value.Any(char.IsControl) ? m.Value : Uri.EscapeDataString(m.Value));
        safe[UploadTokenKey] = uploadToken;
        return safe;
    }

    public async ValueTask CommitAsync(ReadOnlyMemory<byte> head, CancellationToken cancellationToken)
    {
        var buffer = _buffer is not null && !_aborted ? _buffer : throw IByteSink.NotOpened();
        IByteSink.RequireReservedLength(head, buffer.HeadLength);
        buffer.WriteHead(head.Span);
        try
        {
            await RefuseExistingAsync(cancellationToken).ConfigureAwait(false);
            // The requests that publish the object (the single PUT, CompleteMultipartUpload) are not cancelled
            // the moment a signal comes: cancelling them would not stop the server from completing them, only make
            // us report "nothing left behind" beside a finished object. They get a short grace instead (systemd
            // waits 90 s before SIGKILL), and if their answer is lost the object's upload token tells whether the
            // server published it. Uploading the last parts stays cancellable: nothing is visible before Complete.
            using var publishing = InterruptedExit.Publishing();
            using var publish = new CancellationTokenSource(PublishTimeout);
            using var onCancel = cancellationToken.Register(static p => ((CancellationTokenSource)p!).CancelAfter(PublishGrace), publish);
            try
            {
                if (_upload.UploadId is null)
                {
                    await PutSingleAsync(buffer, publish.Token).ConfigureAwait(false);
                }
                else
                {
                    await CompleteMultipartAsync(buffer, cancellationToken, publish.Token).ConfigureAwait(false);
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
            throw OutputExistsException.AppearedWhileConverting(Name);
        }
    }

    private async Task PutSingleAsync(S3PartBuffer buffer, CancellationToken cancellationToken)
    {
        // Below two parts the whole output is already in memory: one request instead of four.
        using var stream = new MemoryStream(buffer.Whole(), 0, (int)buffer.Position, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _location.Bucket,
            Key = _location.Key,
            InputStream = stream,
            AutoCloseStream = false,
            ContentType = _options.ContentType,
            UseChunkEncoding = false,
        };
        foreach (var (key, value) in _metadata)
        {
            request.Metadata[key] = value;
        }

        await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task CompleteMultipartAsync(S3PartBuffer buffer, CancellationToken cancellationToken, CancellationToken publishToken)
    {
        if (buffer.CurrentLength > 0)
        {
            await StartPartUploadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        await _upload.CompleteAsync(buffer.First, buffer.FirstLength, _nextPartNumber - 1, cancellationToken, publishToken)
            .ConfigureAwait(false);
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
        await _upload.AbortAsync().ConfigureAwait(false);
        _buffer?.Release();
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync().ConfigureAwait(false);
        _upload.Dispose();
    }
}
