using System.Globalization;
using System.Runtime.InteropServices;
using BtfConvert.Aws.Tests.Support;

// shaping-proxy TARGET_PORT LATENCY_MS MB_PER_S_PER_CONNECTION [STATS_FILE]
// A WAN-like link in front of a local S3 server for bench/s3-latency.sh: prints the port it listens on, shapes
// every connection (latency before each response, a per-connection rate; 0 = unlimited) until SIGTERM or SIGINT,
// then writes "connections N peak M" to STATS_FILE.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: shaping-proxy TARGET_PORT LATENCY_MS MB_PER_S_PER_CONNECTION [STATS_FILE]");
    return 2;
}

int target = int.Parse(args[0], CultureInfo.InvariantCulture);
double latencyMs = double.Parse(args[1], CultureInfo.InvariantCulture);
double megabytesPerSecond = double.Parse(args[2], CultureInfo.InvariantCulture);
await using var proxy = new TcpFaultProxy(target)
{
    Latency = TimeSpan.FromMilliseconds(latencyMs),
    BytesPerSecondPerConnection = (long)(megabytesPerSecond * 1e6),
};
Console.WriteLine(proxy.Port);
using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

if (args.Length > 3)
{
    await File.WriteAllTextAsync(args[3], $"connections {proxy.ConnectionsAccepted} peak {proxy.PeakConnections}\n");
}

return 0;
