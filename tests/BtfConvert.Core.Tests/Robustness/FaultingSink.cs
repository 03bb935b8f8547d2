using BtfConvert.Core.IO;

namespace BtfConvert.Core.Tests.Robustness;

/// <summary>
/// Wraps a real sink and misbehaves on cue: throws an IOException once more than <see cref="FailAfterBytes"/> body
/// bytes were appended (a disk filling up, a network dropping), or cancels a token after
/// <see cref="CancelAfterAppends"/> appends (one append per tile: "Ctrl-C after N tiles").
/// </summary>
public sealed class FaultingSink(IByteSink inner) : IByteSink
{
    private long _appended;
    private int _appends;

    public long FailAfterBytes { get; init; } = long.MaxValue;

    /// <summary>Throw what an HTTP client throws on a timeout (a cancellation nobody asked for) instead of an IOException.</summary>
    public bool FailAsTimeout { get; init; }
    public int CancelAfterAppends { get; init; } = int.MaxValue;
    public CancellationTokenSource? ToCancel { get; init; }
    public bool Committed { get; private set; }
    public int Aborts { get; private set; }

    public string Name => inner.Name;
    public long Position => inner.Position;

    public ValueTask OpenAsync(int headLength, long estimatedLength, CancellationToken cancellationToken) =>
        inner.OpenAsync(headLength, estimatedLength, cancellationToken);

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_appended + data.Length > FailAfterBytes)
        {
            throw FailAsTimeout
                ? new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout")
                : new IOException($"{Name}: No space left on device (simulated after {_appended} bytes)");
        }

        await inner.AppendAsync(data, cancellationToken);
        _appended += data.Length;
        if (++_appends == CancelAfterAppends)
        {
            await ToCancel!.CancelAsync();
        }
    }

    public async ValueTask CommitAsync(ReadOnlyMemory<byte> head, CancellationToken cancellationToken)
    {
        await inner.CommitAsync(head, cancellationToken);
        Committed = true;
    }

    public ValueTask AbortAsync()
    {
        Aborts++;
        return inner.AbortAsync();
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
