using BtfConvert.Core.IO;
using BtfConvert.Core.Source;

namespace BtfConvert.Core.Tests.Source;

/// <summary>
/// What the one read-ahead engine issues for a planner, whichever planner it is: reads in the planner's order, no more
/// unconsumed than the window, no more pooled bytes than the budget, and always every read the consumer needs now.
/// Reads from memory complete at once, so nothing here depends on time.
/// </summary>
public sealed class ReadAheadEngineTests
{
    private const int MiB = 1 << 20;

    /// <summary>Reads of <c>length</c> bytes one after another from offset 0, tagged with their number.</summary>
    private sealed class EvenPlanner(int count, int length) : IReadPlanner<int>
    {
        private int _next;

        public bool TryPeek(int readSize, out PlannedRead<int> read)
        {
            read = new PlannedRead<int>(_next, (long)_next * length, length);
            return _next < count;
        }

        public void Advance() => _next++;
    }

    private static byte[] Bytes(int count) => Enumerable.Range(0, count).Select(i => (byte)(i * 7)).ToArray();

    private static MemoryByteSource Source(int bytes) => new("memory", Bytes(bytes));

    [Fact]
    public void Reads_ahead_up_to_the_budget_but_always_issues_the_reads_needed_now()
    {
        var policy = new ReadAheadPolicy(ReadSize: MiB, InitialReads: 8, MaxReads: 8, MinReadSize: MiB, BufferBudget: 2 * MiB);
        using var engine = new ReadAheadEngine<int>(Source(6 * MiB), policy, new EvenPlanner(6, MiB), default);

        engine.Fill();
        Assert.Equal([0, 1], engine.Active.Select(r => r.Part));

        engine.Fill(part => part <= 4);
        Assert.Equal([0, 1, 2, 3, 4], engine.Active.Select(r => r.Part));
    }

    [Fact]
    public void Delivers_every_read_once_in_the_planners_order_with_its_bytes()
    {
        byte[] bytes = Bytes(5 * MiB);
        using var engine = new ReadAheadEngine<int>(new MemoryByteSource("memory", bytes), ReadAheadPolicy.Fixed(MiB, 2), new EvenPlanner(5, MiB), default);
        var parts = new List<int>();
        while (true)
        {
            engine.Fill();
            Assert.True(engine.Active.Count(r => !r.Consumed) <= 2);
            if (engine.NextInOrder() is not { } read)
            {
                break;
            }

            Assert.Equal(bytes.AsSpan((int)read.Offset, MiB).ToArray(), read.Data.ToArray());
            parts.Add(read.Part);
            engine.Release(read);
        }

        Assert.Equal([0, 1, 2, 3, 4], parts);
        Assert.Equal(5L * MiB, engine.BytesRead);
    }
}
