using System.Diagnostics;
using BtfConvert.Core.Source;

namespace BtfConvert.Core.Tests.Source;

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
        private static readonly double TicksPerSecond = Stopwatch.Frequency;
        private long _clock = 1;
        private readonly Queue<(ReadAheadWindow.Ticket Ticket, long Bytes)> _inFlight = new();

        /// <summary>
        /// Runs <paramref name="reads"/> reads through <paramref name="window"/> the way the strip reader does: keep
        /// Size reads issued, wait for the oldest, work on it for <paramref name="converterSeconds"/>, issue the next.
        /// A read's time is what the reads in flight when it was issued share. Returns the size after each read.
        /// </summary>
        public List<int> Run(ReadAheadWindow window, int reads, double converterSeconds = 0.001)
        {
            var sizes = new List<int>();
            for (int i = 0; i < reads; i++)
            {
                while (_inFlight.Count < window.Size)
                {
                    // A window of a fixed read size reports 1 byte: those reads are 4 MiB.
                    long bytes = window.ReadSize > 1 ? window.ReadSize : Read;
                    _inFlight.Enqueue((new ReadAheadWindow.Ticket(window.Issue().Generation, _clock), bytes));
                }

                var (ticket, size) = _inFlight.Dequeue();
                double rate = Math.Min(perConnection, total / window.Size);
                long completedAt = ticket.IssuedAt + (long)((latency + (size / rate)) * TicksPerSecond);
                long wait = Math.Max(0, completedAt - _clock);
                _clock += wait;
                window.ReadConsumed(ticket, completedAt, size, wait, _clock);
                _clock += (long)(converterSeconds * TicksPerSecond);
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

        Assert.True(window.Steps.Count >= 3 && window.Steps[2].To == 8, string.Join(", ", window.Steps));
        Assert.Equal([(4, 8), (8, 16), (16, 8)], window.Steps.Take(3).Select(s => (s.From, s.To)));
        Assert.True(window.Steps[2].BytesPerSecond is > 95e6 and < 105e6, string.Join(", ", window.Steps));
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
        // The converter needs 1 s per read; 4 reads of 0.87 s each are always there before it asks.
        new SimulatedLink(0.030, 5e6).Run(window, 100, converterSeconds: 1.0);

        Assert.Equal(4, window.Size);
        Assert.Empty(window.Steps);
    }

    [Fact]
    public void Judges_a_size_only_on_reads_issued_at_that_size()
    {
        var window = new ReadAheadWindow(4, 16);
        var before = window.Issue();
        new SimulatedLink(0.030, 5e6).Run(window, 5);
        Assert.Equal(8, window.Size);

        // A read issued at 4 that finishes after the step (slowly: it shared the link) tells nothing about 8.
        for (int i = 0; i < 20; i++)
        {
            long late = before.IssuedAt + ((100 + i) * Stopwatch.Frequency);
            window.ReadConsumed(before, late, Read, Stopwatch.Frequency, late);
        }

        Assert.Equal(8, window.Size);
    }

    [Fact]
    public void Reads_completing_together_still_count_as_waited_on_when_the_converter_waited_most_of_the_time()
    {
        // 8 reads issued at once complete at once: the converter waits 0.87 s for the first and finds the other 7
        // done. By time it waited nearly all the time, so the window grows (counting reads waited on, 1 in 8, it did not).
        var window = new ReadAheadWindow(8, 32);
        long clock = 1;
        var sizes = new List<int>();
        for (int batch = 0; batch < 2; batch++)
        {
            var tickets = Enumerable.Range(0, 8).Select(_ => new ReadAheadWindow.Ticket(window.Issue().Generation, clock)).ToList();
            long done = clock + (long)(0.87 * Stopwatch.Frequency);
            foreach (var (ticket, i) in tickets.Select((t, i) => (t, i)))
            {
                long wait = i == 0 ? done - clock : 0;
                clock += wait + (Stopwatch.Frequency / 1000);
                window.ReadConsumed(ticket, done, Read, wait, clock);
            }

            sizes.Add(window.Size);
        }

        // The first batch is the start (its first read says nothing); the second is judged and the window grows.
        Assert.Equal([8, 16], sizes);
    }

    private const int MiB = 1 << 20;

    [Fact]
    public void Splits_slow_reads_once_the_buffer_budget_is_the_bound()
    {
        // 32 MiB of 2 MiB reads, splittable to 1 MiB, at 30 ms and 5 MB/s per connection: 16 reads fill the budget,
        // each takes 0.45 s, so the window splits them: 32 reads of 1 MiB, the same memory, twice the rate.
        var window = new ReadAheadWindow(8, 64, 2 * MiB, 1 * MiB, budgetBytes: 32 * MiB);
        new SimulatedLink(0.030, 5e6).Run(window, 150);

        Assert.Equal((32, 1 * MiB), (window.Size, window.ReadSize));
        var split = window.Steps.Single(s => s.ReadSize < s.ReadSizeBefore);
        Assert.Equal((16, 32, 2 * MiB, 1 * MiB), (split.From, split.To, split.ReadSizeBefore, split.ReadSize));
        Assert.Contains("16→32 of 2→1 MiB", split.ToString());
    }

    [Fact]
    public void Keeps_large_reads_on_a_fast_link()
    {
        // 30 ms and 70 MB/s per connection (AWS-like): a 2 MiB read takes 60 ms, mostly latency; splitting would
        // double the requests for little, so the window stops at the budget.
        var window = new ReadAheadWindow(8, 64, 2 * MiB, 1 * MiB, budgetBytes: 32 * MiB);
        new SimulatedLink(0.030, 70e6).Run(window, 300);

        Assert.Equal((16, 2 * MiB), (window.Size, window.ReadSize));
    }

    [Fact]
    public void Never_splits_past_the_count_bound_or_below_the_smallest_read()
    {
        var capped = new ReadAheadWindow(8, 16, 2 * MiB, 1 * MiB, budgetBytes: 32 * MiB);
        new SimulatedLink(0.030, 5e6).Run(capped, 150);
        Assert.Equal((16, 2 * MiB), (capped.Size, capped.ReadSize));

        var unsplittable = new ReadAheadWindow(8, 64, 2 * MiB, 2 * MiB, budgetBytes: 32 * MiB);
        new SimulatedLink(0.030, 5e6).Run(unsplittable, 150);
        Assert.Equal((16, 2 * MiB), (unsplittable.Size, unsplittable.ReadSize));
    }

    [Fact]
    public void A_fixed_source_never_changes()
    {
        var window = new ReadAheadWindow(2, 2);
        new SimulatedLink(0.030, 5e6).Run(window, 50);

        Assert.Equal(2, window.Size);
    }
}
