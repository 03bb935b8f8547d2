using System.Globalization;
using System.Security.Cryptography;
using Utf8 = System.Text.Encoding;

namespace BtfConvert.Core.Batch;

/// <summary>
/// One batch at a time per destination on this machine. The lock is an OS file lock: a FileStream opened with
/// <see cref="FileShare.None"/>, which .NET implements with flock(LOCK_EX) on Linux/macOS and a sharing lock on
/// Windows. The kernel releases it when the process dies, however it dies, so there is never a stale lock to
/// clean up; the file itself stays (deleting it would race with a run that just opened it).
/// <para>
/// Where: <c>DIR/btfconvert-batch-HASH.lock</c> (<c>…-HASH-shard-I-of-N.lock</c> with --shard), HASH = the first 16 hex digits of SHA-256 of the normalized
/// destination; DIR = <c>--lock-dir</c>, else <c>$BTFCONVERT_LOCK_DIR</c>, else <c>/tmp</c> (on purpose not
/// $TMPDIR, which differs between cron and login shells), else the temp directory on Windows.
/// </para>
/// </summary>
public sealed class BatchLock : IDisposable
{
    public const string DirectoryVariable = "BTFCONVERT_LOCK_DIR";

    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(2);

    private readonly FileStream _stream;

    private BatchLock(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    public string Path { get; }

    public static string DefaultDirectory() =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : OperatingSystem.IsWindows() ? System.IO.Path.GetTempPath()
        : "/tmp";

    /// <summary>
    /// The lock file for a (normalized) destination root and shard: N shards on one machine don't exclude each
    /// other (their inputs are disjoint), two copies of one shard do. Unsharded runs keep the plain name.
    /// </summary>
    public static string PathFor(string destinationRoot, string? directory = null, ShardSpec? shard = null)
    {
        string key = BatchLocations.IsRemoteRoot(destinationRoot) ? destinationRoot : BatchLocations.ResolveLinks(destinationRoot);
        string hash = Convert.ToHexStringLower(SHA256.HashData(Utf8.UTF8.GetBytes(key)))[..16];
        string part = shard is { IsSharded: true } ? string.Create(CultureInfo.InvariantCulture, $"-shard-{shard.Index}-of-{shard.Count}") : string.Empty;
        return System.IO.Path.Combine(directory ?? DefaultDirectory(), $"btfconvert-batch-{hash}{part}.lock");
    }

    /// <summary>Takes the lock, or returns null at once if another process (or another run in this one) holds it.</summary>
    public static BatchLock? TryAcquire(string path, string holderDescription)
    {
        FileStream stream;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // E.g. a lock file left by another user in /tmp: say where, and how to choose another place.
            throw new IOException($"{path}: cannot open the batch lock file ({e.Message}); choose another place with --lock-dir", e);
        }

        try
        {
            // For people looking at the file: who holds it. Advisory only; the lock is the open handle.
            stream.SetLength(0);
            var text = Utf8.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} since {DateTimeOffset.UtcNow:O}: {holderDescription}\n"));
            stream.Write(text);
            stream.Flush();
        }
        catch (IOException)
        {
        }

        return new BatchLock(stream, path);
    }

    /// <summary>Takes the lock, polling until it is free (or <paramref name="cancellationToken"/> fires).</summary>
    public static async Task<BatchLock> AcquireAsync(string path, string holderDescription, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (TryAcquire(path, holderDescription) is { } held)
            {
                return held;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollInterval.Ticks));
        }
    }

    public void Dispose() => _stream.Dispose();
}
