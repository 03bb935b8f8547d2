using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BtfConvert.Aws.Tests.Support;

public enum FaultKind
{
    /// <summary>Forward part of the response, then drop the connection with a TCP reset.</summary>
    Reset,

    /// <summary>Forward part of the response, then send nothing more (until the proxy is disposed).</summary>
    Stall,

    /// <summary>Answer the request with 403 AccessDenied without asking the server.</summary>
    Forbidden,

    /// <summary>Answer the request with 503 SlowDown (S3's throttling answer) without asking the server.</summary>
    SlowDown,

    /// <summary>
    /// Act like a store that ignores the Range header: a 206 answer becomes "200 OK" with the whole object's length
    /// and no Content-Range. (The request itself is signed, Range included, so it goes to the server unchanged.)
    /// </summary>
    IgnoreRange,
}

/// <summary>
/// A plain TCP proxy on 127.0.0.1 between the SDK and s3rver that injects faults into chosen requests (by HTTP
/// method, recognised at the start of each request on a keep-alive connection) and can shape every connection like
/// a WAN link to object storage: <see cref="Latency"/> before each response's first byte and at most
/// <see cref="BytesPerSecondPerConnection"/>. Written here because the faults must land mid-body at a chosen byte,
/// which no off-the-shelf proxy does deterministically; bench/BtfConvert.ShapingProxy runs this same file as a
/// tool. Bounded: at most <see cref="MaxConnections"/> connections, 64 KiB buffers.
/// </summary>
public sealed partial class TcpFaultProxy : IAsyncDisposable
{
    public const int MaxConnections = 64;
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _connections = new(MaxConnections);
    private readonly Lock _lock = new();
    private readonly List<Task> _tasks = [];
    private (string Method, FaultKind Kind, long AfterBytes, int Remaining)? _rule;
    private int _faults;
    private int _requests;
    private int _openConnections;
    private int _peakConnections;
    private int _acceptedConnections;

    public TcpFaultProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _tasks.Add(AcceptLoopAsync());
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Faults injected so far.</summary>
    public int FaultsInjected => Volatile.Read(ref _faults);

    /// <summary>Requests seen with the given method since the last <see cref="Arm"/>.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Client connections accepted so far.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _acceptedConnections);

    /// <summary>Most client connections open at once since the last <see cref="ResetPeak"/>.</summary>
    public int PeakConnections => Volatile.Read(ref _peakConnections);

    public void ResetPeak() => Volatile.Write(ref _peakConnections, Volatile.Read(ref _openConnections));

    /// <summary>The next <paramref name="count"/> requests with <paramref name="method"/> (int.MaxValue: all) get the fault
    /// after <paramref name="afterResponseBytes"/> bytes of their response (status line and headers included).</summary>
    public void Arm(string method, FaultKind kind, int count, long afterResponseBytes = 0)
    {
        lock (_lock)
        {
            _rule = (method, kind, afterResponseBytes, count);
            _requests = 0;
        }
    }

    public void Disarm()
    {
        lock (_lock)
        {
            _rule = null;
        }
    }

    private (FaultKind Kind, long AfterBytes)? TakeFault(string method)
    {
        lock (_lock)
        {
            if (_rule is not { } rule || rule.Method != method)
            {
                return null;
            }

            _requests++;
            if (rule.Remaining <= 0)
            {
                return null;
            }

            _rule = rule with { Remaining = rule.Remaining == int.MaxValue ? int.MaxValue : rule.Remaining - 1 };
            return (rule.Kind, rule.AfterBytes);
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                await _connections.WaitAsync(_stop.Token);
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _acceptedConnections);
            int open = Interlocked.Increment(ref _openConnections);
            for (int peak = Volatile.Read(ref _peakConnections); open > peak; peak = Volatile.Read(ref _peakConnections))
            {
                Interlocked.CompareExchange(ref _peakConnections, open, peak);
            }

            var task = Task.Run(async () =>
            {
                try
                {
                    await HandleAsync(client);
                }
                finally
                {
                    Interlocked.Decrement(ref _openConnections);
                    _connections.Release();
                }
            });
            lock (_lock)
            {
                _tasks.RemoveAll(t => t.IsCompleted);
                _tasks.Add(task);
            }
        }
    }

    private sealed class ConnectionState
    {
        public (FaultKind Kind, long AfterBytes)? Fault;
        public long ResponseBytes;

        /// <summary>A request was forwarded and its response has not started yet (the latency is still due).</summary>
        public volatile bool ResponseDue;
    }

    private async Task HandleAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return;
        }

        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var state = new ConnectionState();
        var up = PumpRequestsAsync(client, server, state, connection);
        var down = PumpResponsesAsync(server, client, state, connection);
        await Task.WhenAny(up, down);
        await connection.CancelAsync();
        try
        {
            await Task.WhenAll(up, down);
        }
        catch (Exception)
        {
            // connection torn down
        }
    }

    private static readonly string[] Methods = ["GET", "PUT", "POST", "HEAD", "DELETE"];

    private async Task PumpRequestsAsync(TcpClient client, TcpClient server, ConnectionState state, CancellationTokenSource connection)
    {
        var buffer = new byte[64 << 10];
        var from = client.GetStream();
        var to = server.GetStream();
        try
        {
            while (true)
            {
                int n = await from.ReadAsync(buffer, connection.Token);
                if (n == 0)
                {
                    return;
                }

                string start = Encoding.ASCII.GetString(buffer, 0, Math.Min(n, 8));
                string? method = Methods.FirstOrDefault(m => start.StartsWith(m + " ", StringComparison.Ordinal));
                if (method is not null)
                {
                    var fault = TakeFault(method);
                    state.ResponseBytes = 0;
                    state.Fault = fault;
                    if (fault is { Kind: FaultKind.Forbidden or FaultKind.SlowDown } refused)
                    {
                        Interlocked.Increment(ref _faults);
                        await WriteRefusalAsync(from, method, refused.Kind);
                        return;
                    }

                    if (fault is { Kind: FaultKind.Reset, AfterBytes: 0 })
                    {
                        Interlocked.Increment(ref _faults);
                        Reset(client);
                        return;
                    }

                    state.ResponseDue = true;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), connection.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task PumpResponsesAsync(TcpClient server, TcpClient client, ConnectionState state, CancellationTokenSource connection)
    {
        var buffer = new byte[64 << 10];
        var from = server.GetStream();
        var to = client.GetStream();
        var pacing = new Pacing();
        try
        {
            while (true)
            {
                int n = await from.ReadAsync(buffer, connection.Token);
                if (n == 0)
                {
                    return;
                }

                if (state.Fault is { Kind: FaultKind.IgnoreRange } && state.ResponseBytes == 0 && AsWholeObject(buffer, n) is { } whole)
                {
                    Interlocked.Increment(ref _faults);
                    state.Fault = null;
                    state.ResponseBytes += n;
                    await ShapedWriteAsync(to, whole, state, pacing, connection.Token);
                    continue;
                }

                if (state.Fault is { Kind: not FaultKind.IgnoreRange } fault && state.ResponseBytes + n > fault.AfterBytes)
                {
                    int keep = (int)Math.Max(0, fault.AfterBytes - state.ResponseBytes);
                    await to.WriteAsync(buffer.AsMemory(0, keep), connection.Token);
                    await to.FlushAsync(connection.Token);
                    Interlocked.Increment(ref _faults);
                    if (fault.Kind == FaultKind.Stall)
                    {
                        // Hold the connection open and silent; the client must give up on its own.
                        await Task.Delay(Timeout.Infinite, connection.Token);
                    }

                    Reset(client);
                    return;
                }

                state.ResponseBytes += n;
                await ShapedWriteAsync(to, buffer.AsMemory(0, n), state, pacing, connection.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>A 206 response's first bytes rewritten as a 200 for the whole object (null if they are not a whole 206 head).</summary>
    private static byte[]? AsWholeObject(byte[] buffer, int length)
    {
        string text = Encoding.Latin1.GetString(buffer, 0, length);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 206", StringComparison.Ordinal) || end < 0)
        {
            return null;
        }

        var lines = text[..end].Split("\r\n").ToList();
        string? range = lines.FirstOrDefault(l => l.StartsWith("Content-Range:", StringComparison.OrdinalIgnoreCase));
        if (range is null)
        {
            return null;
        }

        string total = range[(range.LastIndexOf('/') + 1)..].Trim();
        lines[0] = "HTTP/1.1 200 OK";
        lines.Remove(range);
        int contentLength = lines.FindIndex(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        lines[contentLength] = $"Content-Length: {total}";
        return Encoding.Latin1.GetBytes(string.Join("\r\n", lines) + text[end..]);
    }

    private static async Task WriteRefusalAsync(Stream to, string method, FaultKind kind)
    {
        var (status, code, message) = kind == FaultKind.SlowDown
            ? ("503 Slow Down", "SlowDown", "Please reduce your request rate.")
            : ("403 Forbidden", "AccessDenied", "Access Denied");
        string body = method == "HEAD" ? string.Empty :
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>";
        string response = $"HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nConnection: close\r\n" +
                          $"Content-Length: {(method == "HEAD" ? 0 : body.Length)}\r\n\r\n{body}";
        await to.WriteAsync(Encoding.ASCII.GetBytes(response));
        await to.FlushAsync();
    }

    private static void Reset(TcpClient client)
    {
        try
        {
            // Linger 0 makes Close send RST instead of FIN: the client sees "connection reset by peer".
            client.Client.LingerState = new LingerOption(true, 0);
            client.Client.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_lock)
        {
            tasks = [.. _tasks];
        }

        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
    }
}
