namespace BtfConvert.Core.Conversion;

/// <summary>
/// CPU time (user + system) the calling thread has used, from Linux's /proc/thread-self/stat; zero where that
/// does not exist. It measures the producer thread's share of a conversion (the serial part that caps one
/// conversion on many cores), which per-stage timers cannot: they count wall time, waits included.
/// </summary>
internal static class ThreadCpuTime
{
    // USER_HZ: the unit of utime/stime in /proc, 100 on every Linux ABI .NET runs on.
    private const int TicksPerSecond = 100;

    public static TimeSpan OfCurrentThread()
    {
        try
        {
            string stat = File.ReadAllText("/proc/thread-self/stat");
            // Fields after the command name (which may hold spaces, hence the last ')'): state is field 3,
            // utime and stime are fields 14 and 15.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds((double)ticks / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return TimeSpan.Zero;
        }
    }
}
