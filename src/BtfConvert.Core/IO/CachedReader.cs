namespace BtfConvert.Core.IO;

/// <summary>
/// Small random reads (headers, IFDs, tag values) over a source, served from a few large cached windows.
/// The real inputs put every IFD in the last few hundred KB of a multi-GB file, so one window read near the end
/// serves the whole directory walk: on S3 that is one ranged GET instead of dozens.
/// </summary>
internal sealed class CachedReader(IByteSource source, int windowSize = CachedReader.DefaultWindowSize)
{
    public const int DefaultWindowSize = 1 << 20;
    private const int MaxWindows = 8;

    private readonly List<(long Start, byte[] Data)> _windows = [];

    public IByteSource Source => source;

    /// <summary>Number of reads sent to the source (for tests and diagnostics).</summary>
    public int SourceReads { get; private set; }

    /// <summary>Reads exactly <paramref name="length"/> bytes at <paramref name="offset"/>; throws if past the end.</summary>
    public async ValueTask<byte[]> ReadAsync(long offset, long length, CancellationToken cancellationToken)
    {
        if (offset < 0 || length < 0 || offset > source.Length || length > source.Length - offset)
        {
            throw new EndOfStreamException(
                $"{source.Name}: needs bytes {offset}..{offset + length} but the file has {source.Length} bytes");
        }

        var result = new byte[length];
        if (length > windowSize)
        {
            SourceReads++;
            await source.ReadExactlyAsync(offset, result, cancellationToken).ConfigureAwait(false);
            return result;
        }

        var window = FindWindow(offset, length) ?? await LoadWindowAsync(offset, length, cancellationToken).ConfigureAwait(false);
        Buffer.BlockCopy(window.Data, (int)(offset - window.Start), result, 0, (int)length);
        return result;
    }

    /// <summary>Reads up to <paramref name="length"/> bytes, fewer if the file ends first.</summary>
    public ValueTask<byte[]> ReadAtMostAsync(long offset, long length, CancellationToken cancellationToken) =>
        ReadAsync(offset, Math.Max(0, Math.Min(length, source.Length - offset)), cancellationToken);

    private (long Start, byte[] Data)? FindWindow(long offset, long length)
    {
        foreach (var w in _windows)
        {
            if (offset >= w.Start && offset + length <= w.Start + w.Data.Length)
            {
                return w;
            }
        }

        return null;
    }

    private async ValueTask<(long Start, byte[] Data)> LoadWindowAsync(long offset, long length, CancellationToken ct)
    {
        // Centre the window on the request so that values stored just before an IFD (EXIF, vendor blocks) and
        // arrays stored just after it both land in it; clamp to the file.
        long start = Math.Max(0, offset - (windowSize / 2));
        long end = Math.Min(source.Length, start + windowSize);
        start = Math.Max(0, Math.Min(start, end - windowSize));
        if (offset + length > end)
        {
            end = Math.Min(source.Length, offset + length);
        }

        var data = new byte[end - start];
        SourceReads++;
        await source.ReadExactlyAsync(start, data, ct).ConfigureAwait(false);
        if (_windows.Count == MaxWindows)
        {
            _windows.RemoveAt(0);
        }

        var w = (start, data);
        _windows.Add(w);
        return w;
    }
}
