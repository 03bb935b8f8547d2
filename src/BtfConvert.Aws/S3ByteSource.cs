using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BtfConvert.Core;
using BtfConvert.Core.IO;

namespace BtfConvert.Aws;

/// <summary>
/// An S3 object read by ranged GETs, pinned to the ETag seen by one HeadObject at open. Every response's ETag is
/// compared with the pinned one (If-Match is sent too, but several S3-compatible servers ignore it), so a source
/// replaced mid-conversion fails with <see cref="SourceChangedException"/> instead of yielding a mixed output.
/// A read that fails part-way (reset, stall, 5xx, throttling) resumes from the byte it reached, with backoff.
/// The read-ahead decides how many reads to keep in flight (up to <see cref="ReadAheadPolicy.MaxReads"/> of
/// <see cref="ReadAhead"/>); this source decides how many GETs the store takes at once: <see cref="ThrottleLimit"/>
/// halves that on 503 SlowDown or a dropped connection and wins it back slowly. The read-ahead knows whether the
/// converter waits, the source knows whether the store pushes back: each adapts to what it sees.
/// </summary>
public sealed class S3ByteSource : IByteSource
{
    private readonly IAmazonS3 _client;
    private readonly S3Location _location;
    private readonly S3Settings _settings;
    private readonly ThrottleLimit _throttle;
    private int _getRequests;
    private int _retries;
    private long _bytesReceived;

    private S3ByteSource(IAmazonS3 client, S3Location location, S3Settings settings, long length, string eTag)
    {
        _client = client;
        _location = location;
        _settings = settings;
        ReadAhead = settings.EffectiveReadAhead;
        _throttle = new ThrottleLimit(ReadAhead.MaxReads);
        Length = length;
        ETag = eTag;
        Name = location.ToString();
    }

    public string Name { get; }
    public long Length { get; }

    /// <summary>The version being read; every ranged GET must return it.</summary>
    public string ETag { get; }

    public ReadAheadPolicy ReadAhead { get; }

    /// <summary>Most GETs that were in flight at once.</summary>
    public int PeakConcurrentGets => _throttle.PeakActive;

    /// <summary>Times the store pushed back (503, 429, dropped connections) and the GETs allowed at once were halved.</summary>
    public int Throttles => _throttle.Throttles;

    /// <summary>Fewest GETs allowed at once after backing off.</summary>
    public int LowestGetLimit => _throttle.LowestLimit;

    /// <summary>GET requests sent so far, retries included (diagnostics and tests).</summary>
    public int GetRequests => Volatile.Read(ref _getRequests);

    /// <summary>Body bytes received, interrupted responses included: equal to the bytes asked for when nothing is read twice.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Reads that had to be resumed after a transient failure.</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>
    /// Opens the object with one HeadObject (sent with <paramref name="headClient"/>, which retries on its own);
    /// the ranged GETs go through <paramref name="readClient"/>, whose SDK retries should be off because this
    /// source retries itself, resuming from the byte reached and backing off its concurrency.
    /// </summary>
    public static async Task<S3ByteSource> OpenAsync(IAmazonS3 headClient, IAmazonS3 readClient, S3Location location,
        S3Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headClient);
        ArgumentNullException.ThrowIfNull(readClient);
        ArgumentNullException.ThrowIfNull(settings);
        var head = await S3Storage.HeadAsync(headClient, location, cancellationToken).ConfigureAwait(false)
            ?? throw new FileNotFoundException($"{location}: no such object", location.ToString());
        return new S3ByteSource(readClient, location, settings, head.ContentLength, head.ETag ?? string.Empty);
    }

    public async ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (offset < 0 || offset > Length || buffer.Length > Length - offset)
        {
            throw new EndOfStreamException($"{Name}: read of {buffer.Length} bytes at {offset} is past the end ({Length} bytes)");
        }

        int done = 0;
        int failures = 0;
        while (done < buffer.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int before = done;
            Exception? failure = null;
            await _throttle.EnterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                done += await ReadOnceAsync(offset + done, buffer[done..], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsRetryable(e))
            {
                // The part already received is kept: the next request asks only for what is still missing.
                done += e is PartialReadException p ? p.BytesRead : 0;
                failure = e;
            }
            catch (Exception e) when (S3ErrorTranslator.Translate(e, Name) is { } translated)
            {
                throw translated;
            }
            finally
            {
                _throttle.Exit(pushedBack: failure is not null);
            }

            if (failure is null)
            {
                continue;
            }

            failures = done > before ? 0 : failures + 1;
            if (failures > _settings.MaxReadRetries)
            {
                throw S3ErrorTranslator.Translate(failure.InnerException ?? failure, Name)
                    ?? new StorageException($"{Name}: reading failed after {_settings.MaxReadRetries + 1} attempts: {failure.Message}", failure);
            }

            Interlocked.Increment(ref _retries);
            await Task.Delay(Backoff(failures), cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        double ms = _settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, failures - 1));
        ms = Math.Min(ms, 20_000) * (0.75 + (Random.Shared.NextDouble() * 0.5));
        return TimeSpan.FromMilliseconds(ms);
    }

    private static bool IsRetryable(Exception e) => e is PartialReadException || S3ErrorTranslator.IsTransient(e);

    /// <summary>One ranged GET; returns bytes received, throws <see cref="PartialReadException"/> if cut short.</summary>
    private async Task<int> ReadOnceAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _getRequests);
        var request = new GetObjectRequest
        {
            BucketName = _location.Bucket,
            Key = _location.Key,
            ByteRange = new ByteRange(offset, offset + buffer.Length - 1),
            EtagToMatch = ETag.Length > 0 ? ETag : null,
        };
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed || S3ErrorTranslator.IsNotFound(e)
                                           || e.StatusCode is HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            throw Changed();
        }

        using (response)
        {
            if (ETag.Length > 0 && !string.Equals(response.ETag, ETag, StringComparison.Ordinal))
            {
                throw Changed();
            }

            if (response.HttpStatusCode == HttpStatusCode.OK && response.ContentLength != buffer.Length)
            {
                // 200 instead of 206 Partial Content: the store (or a proxy in front of it) dropped the Range header.
                throw new StorageException(
                    $"{Name}: the server ignored the Range header (asked for {buffer.Length} bytes at {offset}, it answered 200 with {response.ContentLength} bytes, the whole object?); btfconvert reads objects in ranges and needs a store that honours them");
            }

            if (response.ContentLength != buffer.Length)
            {
                throw new SourceChangedException(
                    $"{Name}: the object changed while it was being read (asked for {buffer.Length} bytes at {offset}, got {response.ContentLength})");
            }

            var stream = response.ResponseStream;
            int done = 0;
            try
            {
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                while (done < buffer.Length)
                {
                    stall.CancelAfter(_settings.StallTimeout);
                    int n = await stream.ReadAsync(buffer[done..], stall.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        throw new IOException($"{Name}: the connection closed after {done} of {buffer.Length} bytes");
                    }

                    done += n;
                    Interlocked.Add(ref _bytesReceived, n);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested
                                      && e is IOException or HttpRequestException or OperationCanceledException or AmazonClientException)
            {
                // A reset or a stalled body: report how far we got so the retry asks only for the rest.
                throw new PartialReadException(done, e);
            }

            return done;
        }
    }

    private SourceChangedException Changed() =>
        new($"{Name}: the object changed while it was being read (its ETag is no longer {ETag})");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A response body cut short after <see cref="BytesRead"/> bytes (kept by the caller).</summary>
    private sealed class PartialReadException(int bytesRead, Exception inner)
        : IOException($"read interrupted after {bytesRead} bytes: {inner.Message}", inner)
    {
        public int BytesRead { get; } = bytesRead;
    }
}
