using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;

namespace BtfConvert.Core.Tests.Robustness;

/// <summary>
/// Runs one input the way <c>info</c> and <c>convert</c> do, in memory, and says how it ended. Anything other than
/// the exceptions the CLI maps to "bad input" (exit 3), a hang past the budget, a committed output after a failure,
/// or allocation beyond the bound is a bug.
/// </summary>
public static class FuzzHarness
{
    /// <summary>A hang guard, not a performance limit: a 64×48 input takes milliseconds.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);

    /// <summary>Allocation allowed for one case (inspect + convert of a ~15 KB input allocates a few MB).</summary>
    public const long AllocationBound = 64L << 20;

    private static readonly ConversionOptions Options = new()
    {
        TileSize = 32,
        Compression = TileCompression.Deflate,
        Threads = 2,
    };

    /// <summary>"converted", or the name of the expected exception type that rejected the input.</summary>
    public static string Run(byte[] input)
    {
        using var budget = new CancellationTokenSource(Budget);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        string outcome = RunCore(input, budget.Token);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        if (allocated > AllocationBound)
        {
            throw new FuzzFailure($"allocated {allocated:N0} bytes (bound {AllocationBound:N0}); outcome {outcome}");
        }

        return outcome;
    }

    private static string RunCore(byte[] input, CancellationToken ct)
    {
        var source = new MemoryByteSource("fuzz.btf", input);
        var sink = new MemoryByteSink("fuzz.tiff");
        try
        {
            var info = SourceInspector.InspectAsync(source, ct).GetAwaiter().GetResult();
            var result = TiffConverter.ConvertAsync(info, source, sink, Options, null, ct).GetAwaiter().GetResult();
            if (sink.Committed is null || sink.Committed.Length != result.OutputBytes)
            {
                throw new FuzzFailure("conversion reported success without a committed output");
            }

            return "converted";
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or EndOfStreamException)
        {
            if (sink.Committed is not null)
            {
                throw new FuzzFailure($"output committed although the conversion failed: {e.Message}");
            }

            if (!e.Message.StartsWith("fuzz.btf: ", StringComparison.Ordinal))
            {
                throw new FuzzFailure($"message does not start with the file name: {e.GetType().Name}: {e.Message}");
            }

            return e.GetType().Name;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new FuzzFailure($"did not finish within {Budget.TotalSeconds} s (hang?)");
        }
    }
}

/// <summary>A property violation found by the fuzzer.</summary>
public sealed class FuzzFailure(string message) : Exception(message);
