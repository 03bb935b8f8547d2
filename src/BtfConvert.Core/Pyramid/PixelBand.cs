namespace BtfConvert.Core.Pyramid;

/// <summary>
/// The memory of one band of a level. Tiles are encoded straight from it (no cut copy), so after the band is full
/// it stays held until every tile taken from it has been encoded; only then may the level fill it again.
/// Holds: one for the level while it fills and shrinks the band, one per tile handed to the encoders.
/// </summary>
internal sealed class PixelBand(long bytes)
{
    private readonly ManualResetEventSlim _free = new(initialState: true);
    private int _holds;

    public byte[] Pixels { get; } = new byte[bytes];

    /// <summary>True when nothing uses the band: the level may fill it (or a reader read into it) now.</summary>
    public bool IsFree => _free.IsSet;

    /// <summary>Waits until the band is free and holds it for the level that fills it next.</summary>
    public void Acquire(CancellationToken cancellationToken)
    {
        // Only the level's own thread acquires; the event is set solely by the release that drops the last hold.
        _free.Wait(cancellationToken);
        _free.Reset();
        Volatile.Write(ref _holds, 1);
    }

    /// <summary>One more user (a tile about to be handed to the encoders).</summary>
    public void Hold() => Interlocked.Increment(ref _holds);

    /// <summary>A user is done with the band; the last one frees it.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _holds);
        if (left == 0)
        {
            _free.Set();
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("a pixel band was released more often than held");
        }
    }
}
