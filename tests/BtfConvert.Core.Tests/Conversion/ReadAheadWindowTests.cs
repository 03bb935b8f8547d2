using System.Diagnostics;
using BtfConvert.Core.Conversion;

namespace BtfConvert.Core.Tests.Conversion;

/// <summary>
/// The read-ahead decisions, driven by a simulated link with made-up clocks: no real time is measured or asserted.
/// The link gives each connection <c>perConnection</c> bytes/s and all of them together at most <c>total</c>, and
/// every read waits <c>latency</c> before its first byte, like object storage behind a NIC.
/// </summary>
public sealed class ReadAheadWindowTests
{
    private const long Read = 4 << 20;

    private sealed class SimulatedLink(double latency, double perConnection, double total = double.PositiveInfinity)
    {
        private long _clock;
        private readonly Queue<ReadAheadWindow.Ticket> _inFlight = new();

        /// <summary>
        /// Runs <paramref name="reads"/> reads through <paramref name="window"/> the way the strip reader does: keep
        /// Size reads issued, hand out the oldest, issue the next. A read's time is what the reads in flight when it
        /// was issued share; <paramref name="converterBound"/>: the reads were always done before the converter asked.
        /// </summary>
        public List<int> Run(ReadAheadWindow window, int reads, bool converterBound = false)
        {
            var sizes = new List<int>();
            for (int i = 0; i < reads; i++)
            {
                while (_inFlight.Count < window.Size)
                {
                    _inFlight.Enqueue(new ReadAheadWindow.Ticket(window.Issue().Generation, _clock));
                }

                var ticket = _inFlight.Dequeue();
                double rate = Math.Min(perConnection, total / window.Size);
                long took = (long)((latency + (Read / rate)) * Stopwatch.Frequency);
                _clock = Math.Max(_clock, ticket.IssuedAt + took);
                window.ReadConsumed(ticket, ticket.IssuedAt + took, Read, waited: !converterBound);
                sizes.Add(window.Size);
            }

            return sizes;
        }
    }

    [Fact]
    public void Grows_by_doubling_up_to_the_maximum_while_each_connection_is_the_limit()
    {
        // 30 ms and 5 MB/s per connection, no limit in all: every doubling doubles the link rate.
        var window = new ReadAheadWindow(4, 32);
        var sizes = new SimulatedLink(0.030, 5e6).Run(window, 200);

        Assert.Equal([4, 8, 16, 32], sizes.Distinct());
        Assert.Equal(32, window.Size);
        Assert.All(window.Steps, s => Assert.Equal(s.From * 2, s.To));
    }

    [Fact]
    public void Stops_where_the_link_is_full_and_steps_back_from_the_probe_that_gained_nothing()
    {
        // 20 MB/s per connection, 100 MB/s in all: 4 reads give ~76 MB/s, 8 give 100, 16 still 100.
        var window = new ReadAheadWindow(4, 64);
        new SimulatedLink(0.030, 20e6, total: 100e6).Run(window, 100);

        Assert.Equal([(4, 8), (8, 16), (16, 8)], window.Steps.Take(3).Select(s => (s.From, s.To)));
        Assert.InRange(window.Steps[2].BytesPerSecond, 95e6, 105e6);
        // Later probes (+25 %) gain too little as well and step back to 8 each time.
        Assert.All(window.Steps.Skip(3), s => Assert.Equal(s.From < s.To ? (8, 10) : (10, 8), (s.From, s.To)));
        Assert.InRange(window.Size, 8, 10);
    }

    [Fact]
    public void Probes_a_quarter_more_after_the_cooldown_and_follows_a_link_that_got_faster()
    {
        var window = new ReadAheadWindow(4, 64);
        new SimulatedLink(0.030, 20e6, total: 100e6).Run(window, 40);
        Assert.Equal(8, window.Size);

        // The store now gives 400 MB/s in all: after the cooldown the window probes 8 → 10 and keeps climbing.
        var sizes = new SimulatedLink(0.030, 20e6, total: 400e6).Run(window, 400);

        Assert.Equal(10, sizes.First(s => s != 8));
        Assert.True(window.Size >= 16, $"ended at {window.Size}");
        Assert.InRange(window.Size, 16, 25);
    }

    [Fact]
    public void Holds_when_the_converter_is_the_bottleneck()
    {
        var window = new ReadAheadWindow(4, 16);
        new SimulatedLink(0.030, 5e6).Run(window, 100, converterBound: true);

        Assert.Equal(4, window.Size);
        Assert.Empty(window.Steps);
    }

    [Fact]
    public void Judges_a_size_only_on_reads_issued_at_that_size()
    {
        var window = new ReadAheadWindow(4, 16);
        var before = window.Issue();
        new SimulatedLink(0.030, 5e6).Run(window, 2);
        Assert.Equal(8, window.Size);

        // A read issued at 4 that finishes after the step (slowly: it shared the link) tells nothing about 8.
        for (int i = 0; i < 20; i++)
        {
            window.ReadConsumed(before, before.IssuedAt + (100 * Stopwatch.Frequency), Read, waited: true);
        }

        Assert.Equal(8, window.Size);
    }

    [Fact]
    public void A_fixed_source_never_changes()
    {
        var window = new ReadAheadWindow(2, 2);
        new SimulatedLink(0.030, 5e6).Run(window, 50);

        Assert.Equal(2, window.Size);
    }
}
