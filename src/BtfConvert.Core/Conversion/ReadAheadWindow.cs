using System.Diagnostics;

namespace BtfConvert.Core.Conversion;

/// <summary>
/// How many reads the strip reader keeps ahead of the converter. Fixed when the source's minimum and maximum are
/// equal (local files). Otherwise it starts at the minimum and, after each epoch (one window's worth of runs consumed),
/// grows only when both hold: the converter waited on reads during most of the epoch (it is not the bottleneck) and
/// the last growth raised throughput by at least <see cref="MinGain"/> (the link is not yet full). It doubles until
/// a step gains too little (like TCP's slow start), then steps back to the smaller window and probes +25 % every
/// <see cref="CooldownEpochs"/> epochs, so it follows a link that speeds up later. Output never depends on it.
/// </summary>
internal sealed class ReadAheadWindow
{
    /// <summary>Gains below 10 % are within the noise of a shared machine and not worth more connections and memory.</summary>
    internal const double MinGain = 1.10;

    /// <summary>After a probe that gained nothing, hold the size for this many epochs before trying again.</summary>
    internal const int CooldownEpochs = 8;

    private readonly int _max;
    private bool _slowStart = true;
    private int? _probeFrom;
    private double _rateBefore;
    private int _cooldown;
    private int _epochRuns;
    private int _epochWaits;
    private long _epochBytes;
    private long _epochStart;

    public ReadAheadWindow(int initial, int max)
        : this(initial, max, Stopwatch.GetTimestamp())
    {
    }

    internal ReadAheadWindow(int initial, int max, long startTimestamp)
    {
        _max = Math.Max(1, max);
        Size = Math.Clamp(initial, 1, _max);
        _epochStart = startTimestamp;
    }

    /// <summary>Reads to keep in flight or waiting for the converter now.</summary>
    public int Size { get; private set; }

    /// <summary>One run handed to the converter: its size, and whether the converter had to wait for its read.</summary>
    public void RunConsumed(long bytes, bool waited) => RunConsumed(bytes, waited, Stopwatch.GetTimestamp());

    internal void RunConsumed(long bytes, bool waited, long timestamp)
    {
        if (Size >= _max && _probeFrom is null)
        {
            return;
        }

        _epochRuns++;
        _epochBytes += bytes;
        _epochWaits += waited ? 1 : 0;
        if (_epochRuns < Size)
        {
            return;
        }

        double seconds = Math.Max(1e-6, Stopwatch.GetElapsedTime(_epochStart, timestamp).TotalSeconds);
        EndEpoch(_epochBytes / seconds, mostlyWaited: _epochWaits * 2 > _epochRuns);
        _epochRuns = 0;
        _epochWaits = 0;
        _epochBytes = 0;
        _epochStart = timestamp;
    }

    private void EndEpoch(double rate, bool mostlyWaited)
    {
        if (!mostlyWaited)
        {
            // The converter is the bottleneck: more reads would only hold more memory. Keep what helped so far.
            _probeFrom = null;
            return;
        }

        if (_probeFrom is { } from)
        {
            _probeFrom = null;
            if (rate < _rateBefore * MinGain)
            {
                Size = from;
                _slowStart = false;
                _cooldown = CooldownEpochs;
                return;
            }
        }

        if (_cooldown > 0)
        {
            _cooldown--;
            return;
        }

        if (Size < _max)
        {
            _probeFrom = Size;
            _rateBefore = rate;
            Size = Math.Min(_max, _slowStart ? Size * 2 : Size + Math.Max(1, Size / 4));
        }
    }
}
