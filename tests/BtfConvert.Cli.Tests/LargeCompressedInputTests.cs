using System.Globalization;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// Peak memory of a whole conversion of a large compressed input, measured as the process's peak RSS by
/// /usr/bin/time. Slow (a 20000² LZW input is written first), so it runs only with BTFCONVERT_LARGE_TESTS=1;
/// the per-row allocation test in Core (DecodingStreamingTests) guards the same property in every CI run.
/// </summary>
public sealed class LargeCompressedInputTests : IDisposable
{
    /// <summary>The design budget per conversion (docs/design.md).</summary>
    private const long MaxPeakRssKb = 256 * 1024;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void A_20000_square_lzw_tiff_converts_within_the_memory_budget()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("BTFCONVERT_LARGE_TESTS") == "1", "set BTFCONVERT_LARGE_TESTS=1 to run");
        Skip.IfNot(File.Exists("/usr/bin/time"), "needs /usr/bin/time");
        string input = _dir.File("big-lzw.tif"), output = _dir.File("big.tiff"), timing = _dir.File("time.txt");
        LzwTiffWriter.Write(input, 20000, 20000, 16);

        var r = CliRunner.RunProgram("/usr/bin/time", "-f", "%M", "-o", timing, "dotnet", CliRunner.CliDll,
            "convert", input, output, "--quiet");
        Assert.True(r.ExitCode == 0, r.Output);
        long peakKb = long.Parse(File.ReadAllText(timing).Trim().Split('\n')[^1], CultureInfo.InvariantCulture);
        Assert.True(peakKb < MaxPeakRssKb, $"peak RSS {peakKb / 1024} MB");
        Console.WriteLine($"20000² LZW: peak RSS {peakKb / 1024} MB");
    }
}
