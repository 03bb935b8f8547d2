namespace BtfConvert.Aws;

/// <summary>
/// Bounds the requests one source sends at once and backs off when the store pushes back: a throttling answer
/// (503 SlowDown, 429) or a broken connection halves the bound, and every <c>bound</c> clean responses in a row
/// win one slot back, up to the maximum (additive increase, multiplicative decrease, as TCP and the AWS SDK's
/// adaptive retry mode do). Several requests failing together count once per round, so one burst of 503s halves
/// the bound once instead of collapsing it to one.
/// </summary>
internal sealed class ThrottleLimit
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private readonly int _max;
    private int _limit;
    private int _active;
    private int _cleanInARow;
    private int _sinceDecrease;
    private int _throttles;
    private int _lowest;
    private int _peakActive;

    public ThrottleLimit(int max)
    {
        _max = Math.Max(1, max);
        _limit = _max;
        _lowest = _max;
        _sinceDecrease = _max;
    }

    /// <summary>Requests allowed at once now.</summary>
    public int Limit
    {
        get
        {
            lock (_lock)
            {
                return _limit;
            }
        }
    }

    /// <summary>Lowest bound reached (diagnostics and tests).</summary>
    public int LowestLimit => Volatile.Read(ref _lowest);

    /// <summary>Failures that halved the bound.</summary>
    public int Throttles => Volatile.Read(ref _throttles);

    /// <summary>Most requests active at once.</summary>
    public int PeakActive => Volatile.Read(ref _peakActive);

    public async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_active < _limit)
            {
                _active++;
                _peakActive = Math.Max(_peakActive, _active);
                return;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
        }

        using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
        {
            await waiter.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Ends a request entered with <see cref="EnterAsync"/>; <paramref name="pushedBack"/> when the store throttled or dropped it.</summary>
    public void Exit(bool pushedBack)
    {
        lock (_lock)
        {
            _active--;
            _sinceDecrease++;
            if (pushedBack)
            {
                _cleanInARow = 0;
                if (_sinceDecrease >= _limit)
                {
                    _limit = Math.Max(1, _limit / 2);
                    _lowest = Math.Min(_lowest, _limit);
                    _sinceDecrease = 0;
                    _throttles++;
                }
            }
            else if (++_cleanInARow >= _limit && _limit < _max)
            {
                _limit++;
                _cleanInARow = 0;
            }

            while (_active < _limit && _waiters.TryDequeue(out var next))
            {
                // A waiter cancelled meanwhile refuses the slot; the next one takes it.
                if (next.TrySetResult())
                {
                    _active++;
                    _peakActive = Math.Max(_peakActive, _active);
                }
            }
        }
    }
}
