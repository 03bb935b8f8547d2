namespace BtfConvert.Aws.Tests.Support;

/// <summary>The link shaping of <see cref="TcpFaultProxy"/>: latency before each response, a rate per connection.</summary>
public sealed partial class TcpFaultProxy
{
    /// <summary>Delay before the first byte of every response (the time to first byte of a distant store).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Response bytes per second on each connection; 0 for no limit (a store's per-connection rate).</summary>
    public long BytesPerSecondPerConnection { get; set; }

    private sealed class Pacing
    {
        public long StartTimestamp;
        public long BytesSinceStart;
    }

    /// <summary>Forwards response bytes after the latency (once per response) and no faster than the per-connection rate.</summary>
    private async Task ShapedWriteAsync(Stream to, ReadOnlyMemory<byte> data, ConnectionState state, Pacing pacing, CancellationToken cancellationToken)
    {
        if (state.ResponseDue)
        {
            state.ResponseDue = false;
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, cancellationToken);
            }

            // Idle time between responses is not credit: the rate applies from each response's first byte.
            pacing.StartTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
            pacing.BytesSinceStart = 0;
        }

        long rate = BytesPerSecondPerConnection;
        if (rate <= 0)
        {
            await to.WriteAsync(data, cancellationToken);
            return;
        }

        // Slices of at most 1/200 s of the rate (16 KiB at most) keep the flow smooth rather than bursty.
        int slice = (int)Math.Clamp(rate / 200, 1024, 16 << 10);
        for (int at = 0; at < data.Length; at += slice)
        {
            var part = data.Slice(at, Math.Min(slice, data.Length - at));
            await to.WriteAsync(part, cancellationToken);
            pacing.BytesSinceStart += part.Length;
            var due = TimeSpan.FromSeconds((double)pacing.BytesSinceStart / rate);
            var ahead = due - System.Diagnostics.Stopwatch.GetElapsedTime(pacing.StartTimestamp);
            if (ahead > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(ahead, cancellationToken);
            }
        }
    }
}
