using System.Diagnostics;
using BtfConvert.Core.Conversion;

namespace BtfConvert.Core.Tests.Conversion;

/// <summary>The read-ahead decisions, driven with made-up clocks: no real time is measured or asserted.</summary>
public sealed class ReadAheadWindowTests
{
    private const long Run = 4 << 20;

    /// <summary>Feeds one epoch (Size runs) that took <paramref name="seconds"/>, all waited on or none.</summary>
    private static void Epoch(ReadAheadWindow window, ref long clock, double seconds, bool waited)
    {
        int runs = window.Size;
        long step = (long)(seconds * Stopwatch.Frequency / runs);
        for (int i = 0; i < runs; i++)
        {
            clock += step;
            window.RunConsumed(Run, waited, clock);
        }
    }

    [Fact]
    public void Grows_by_doubling_while_the_converter_waits_and_throughput_grows_up_to_the_maximum()
    {
        var window = new ReadAheadWindow(2, 16, startTimestamp: 0);
        long clock = 0;
        var sizes = new List<int> { window.Size };
        for (int i = 0; i < 4; i++)
        {
            // A link limited per connection: the epoch of Size runs takes the same time whatever Size is.
            Epoch(window, ref clock, 1.0, waited: true);
            sizes.Add(window.Size);
        }

        Assert.Equal([2, 4, 8, 16, 16], sizes);
    }

    /// <summary>A window after five one-second epochs of the same kind.</summary>
    private static ReadAheadWindow AfterFiveEpochs(int initial, int max, bool waited)
    {
        var window = new ReadAheadWindow(initial, max, startTimestamp: 0);
        long clock = 0;
        for (int i = 0; i < 5; i++)
        {
            Epoch(window, ref clock, 1.0, waited);
        }

        return window;
    }

    [Fact]
    public void Holds_when_the_converter_is_the_bottleneck() =>
        Assert.Equal(4, AfterFiveEpochs(4, 16, waited: false).Size);

    [Fact]
    public void Steps_back_when_more_reads_bring_no_more_throughput_and_probes_again_later()
    {
        var window = new ReadAheadWindow(4, 16, startTimestamp: 0);
        long clock = 0;
        Epoch(window, ref clock, 1.0, waited: true);                 // 4 runs in 1 s -> probe 8
        Assert.Equal(8, window.Size);
        Epoch(window, ref clock, 2.0, waited: true);                 // 8 runs in 2 s: same rate -> back to 4
        Assert.Equal(4, window.Size);
        for (int i = 0; i < ReadAheadWindow.CooldownEpochs; i++)
        {
            Epoch(window, ref clock, 1.0, waited: true);
            Assert.Equal(4, window.Size);
        }

        Epoch(window, ref clock, 1.0, waited: true);                 // after the cooldown: +25 %
        Assert.Equal(5, window.Size);
    }

    [Fact]
    public void A_fixed_source_never_changes() =>
        Assert.Equal(2, AfterFiveEpochs(2, 2, waited: true).Size);
}
