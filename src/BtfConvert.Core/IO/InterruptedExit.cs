using System.Collections.Concurrent;

namespace BtfConvert.Core.IO;

/// <summary>
/// What a process needs when it must exit although a conversion is blocked where cancellation does not reach (a read
/// or write stuck in the kernel on a hung NFS mount or device): the local temporaries still open, to delete them, and
/// whether an object is being published right now (the S3 sink's bounded grace, which an exit must not cut short, or
/// the outcome would be unknown).
/// </summary>
public static class InterruptedExit
{
    private static readonly ConcurrentDictionary<string, byte> OpenTemporaries = new(StringComparer.Ordinal);
    private static int _publishing;

    /// <summary>True while some sink is publishing its object (single PUT or CompleteMultipartUpload).</summary>
    public static bool IsPublishing => Volatile.Read(ref _publishing) > 0;

    /// <summary>Marks a publish in progress until the returned handle is disposed.</summary>
    public static IDisposable Publishing()
    {
        Interlocked.Increment(ref _publishing);
        return new PublishScope();
    }

    internal static void Track(string temporaryPath) => OpenTemporaries.TryAdd(temporaryPath, 0);

    internal static void Untrack(string temporaryPath) => OpenTemporaries.TryRemove(temporaryPath, out _);

    /// <summary>Deletes every local temporary still open; returns how many were deleted. Last thing before exiting.</summary>
    public static int DeleteTemporaries()
    {
        int deleted = 0;
        foreach (var path in OpenTemporaries.Keys)
        {
            try
            {
                File.Delete(path);
                deleted++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // best effort: the next run for the same output removes a temporary whose process is gone
            }

            Untrack(path);
        }

        return deleted;
    }

    private sealed class PublishScope : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref _publishing);
            }
        }
    }
}
