using System.Diagnostics;

namespace BtfConvert.Core.Batch;

/// <summary>An input that made no progress for the batch's stall timeout; its conversion was cancelled or abandoned.</summary>
internal sealed class InputStalledException(string message) : IOException(message);

/// <summary>
/// Watches one batch conversion: every progress report (bytes read, tiles written) resets the clock; after
/// <see cref="Timeout"/> without one the conversion is cancelled, and if it does not end within
/// <see cref="AbandonAfter"/> (blocked where no token reaches) it is abandoned, so one stuck input becomes a reported
/// failure while the others convert and the batch ends, releasing its lock.
/// </summary>
internal sealed class StallWatchdog : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private long _lastProgress = Stopwatch.GetTimestamp();

    public StallWatchdog(TimeSpan timeout, CancellationToken batchToken)
    {
        Timeout = timeout;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(batchToken);
    }

    public TimeSpan Timeout { get; }

    /// <summary>How long a cancelled conversion gets to end before it is left behind: a tenth of the timeout, 1–30 s.</summary>
    public TimeSpan AbandonAfter => TimeSpan.FromTicks(Math.Clamp(Timeout.Ticks / 10, TimeSpan.TicksPerSecond, 30 * TimeSpan.TicksPerSecond));

    /// <summary>The token the conversion runs with: the batch's, cancelled also when the input stalls.</summary>
    public CancellationToken Token => _cancel.Token;

    public void Progressed() => Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());

    /// <summary>The result of <paramref name="conversion"/>, or <see cref="InputStalledException"/> once it stalled.</summary>
    /// <param name="activity">What is stopped, for the message: the conversion of an input, the listing of a source.</param>
    public async Task<T> WatchAsync<T>(Task<T> conversion, string input, string activity = "the conversion")
    {
        if (Timeout <= TimeSpan.Zero)
        {
            return await conversion.ConfigureAwait(false);
        }

        var poll = TimeSpan.FromTicks(Math.Clamp(Timeout.Ticks / 20, TimeSpan.TicksPerMillisecond * 20, TimeSpan.TicksPerSecond * 5));
        long? stalledAt = null;
        while (true)
        {
            if (await Task.WhenAny(conversion, Task.Delay(poll, CancellationToken.None)).ConfigureAwait(false) == conversion)
            {
                if (stalledAt is null || conversion.IsCompletedSuccessfully)
                {
                    return await conversion.ConfigureAwait(false);
                }

                _ = conversion.Exception; // observed: the stall is what is reported
                throw Stalled(input, activity);
            }

            if (stalledAt is null && Stopwatch.GetElapsedTime(Volatile.Read(ref _lastProgress)) > Timeout && !_cancel.IsCancellationRequested)
            {
                stalledAt = Stopwatch.GetTimestamp();
                await _cancel.CancelAsync().ConfigureAwait(false);
            }
            else if (stalledAt is { } since && Stopwatch.GetElapsedTime(since) > AbandonAfter)
            {
                // Blocked where cancellation does not reach: leave it; if it ever wakes it sees the cancellation and aborts its sink.
                _ = conversion.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
                throw Stalled(input, activity);
            }
        }
    }

    private InputStalledException Stalled(string input, string activity) =>
        new($"{input}: no progress for {Describe(Timeout)}; {activity} was stopped (--stall-timeout)");

    private static string Describe(TimeSpan t) => t.TotalMinutes >= 1 && t.Seconds == 0 ? $"{t.TotalMinutes:0} min" : $"{t.TotalSeconds:0.#} s";

    public void Dispose() => _cancel.Dispose();
}
