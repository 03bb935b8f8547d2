using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BtfConvert.Aws;

namespace BtfConvert.Aws.Tests.Support;

/// <summary>
/// A real S3-compatible server (npm s3rver 3.7.1, installed in tests/s3rver by scripts/setup.sh) on 127.0.0.1 on
/// a free port, with an empty data directory and one bucket, stopped after the tests. Reusable: any test class in
/// <see cref="S3Collection"/> receives it. Without node or the package, tests skip locally but FAIL when CI=true.
/// </summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    public const string Bucket = "btf-tests";

    private Process? _server;
    private string? _dataDirectory;
    private readonly System.Text.StringBuilder _serverOutput = new();
    private int _keyCounter;

    public int Port { get; private set; }
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Why the server could not start (null when it runs).</summary>
    public string? Unavailable { get; private set; }

    public IAmazonS3 Client { get; private set; } = null!;

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public async Task InitializeAsync()
    {
        string packageDir = Path.Combine(Repository.Root, "tests", "s3rver");
        string script = Path.Combine(packageDir, "node_modules", "s3rver", "bin", "s3rver.js");
        string? node = FindOnPath("node");
        if (node is null)
        {
            Unavailable = "node is not installed (scripts/setup.sh installs nodejs and npm)";
            return;
        }

        if (!File.Exists(script))
        {
            Unavailable = $"s3rver is not installed: run 'npm ci' in {packageDir} (scripts/setup.sh does)";
            return;
        }

        // The SDK's default credential chain finds these, as it would a user's; nothing reaches for instance metadata.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretKey);
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");

        _dataDirectory = Path.Combine(Path.GetTempPath(), "btfconvert-s3rver", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dataDirectory);
        for (int attempt = 0; attempt < 3 && _server is null; attempt++)
        {
            Port = FreePort();
            var info = new ProcessStartInfo(node)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = packageDir,
            };
            foreach (string a in new[] { script, "-d", _dataDirectory, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--configure-bucket", Bucket })
            {
                info.ArgumentList.Add(a);
            }

            // s3rver 3.7 encrypts ListObjectsV2 continuation tokens with a cipher OpenSSL 3 disables by default.
            info.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
            var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
            process.OutputDataReceived += (_, e) => Record(e.Data);
            process.ErrorDataReceived += (_, e) => Record(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (await WaitForListenerAsync(process, Port, TimeSpan.FromSeconds(30)))
            {
                _server = process;
            }
            else
            {
                Stop(process);
            }
        }

        if (_server is null)
        {
            Unavailable = $"s3rver did not start: {_serverOutput}";
            return;
        }

        Client = S3ClientFactory.Create(Settings());
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (_serverOutput)
            {
                _serverOutput.AppendLine(line);
            }
        }
    }

    /// <summary>Call first in every test: skips when the server is missing locally, fails in CI.</summary>
    public void Require()
    {
        if (Unavailable is null)
        {
            return;
        }

        if (InCi)
        {
            throw new InvalidOperationException("CI=true but the S3 test server is unavailable: " + Unavailable);
        }

        Skip.If(true, Unavailable);
    }

    /// <summary>Settings for this server with small sizes and quick retries, so tiny images exercise everything.</summary>
    public S3Settings Settings(string? endpoint = null) => new(EndpointUrl: endpoint ?? Endpoint, PathStyle: true)
    {
        Credentials = new BasicAWSCredentials(AccessKey, SecretKey),
        ReadAhead = new S3Settings().ReadAhead with { ReadSize = 64 << 10, InitialReads = 4 },
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        StallTimeout = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromSeconds(20),
        SdkMaxErrorRetry = 2,
    };

    /// <summary>A key no other test uses.</summary>
    public string NewKey(string name) => $"t{Interlocked.Increment(ref _keyCounter)}-{Guid.NewGuid():N}/{name}";

    public string Uri(string key) => $"s3://{Bucket}/{key}";

    public async Task PutAsync(string key, byte[] data)
    {
        using var stream = new MemoryStream(data);
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = stream, UseChunkEncoding = false });
    }

    public async Task<byte[]?> GetAsync(string key)
    {
        try
        {
            using var response = await Client.GetObjectAsync(Bucket, key);
            using var copy = new MemoryStream();
            await response.ResponseStream.CopyToAsync(copy);
            return copy.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string key)
    {
        try
        {
            await Client.GetObjectMetadataAsync(Bucket, key);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            Stop(_server);
        }

        if (_dataDirectory is not null)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        return Task.CompletedTask;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    private static async Task<bool> WaitForListenerAsync(Process process, int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        return false;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}

[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3ServerFixture>
{
    public const string Name = "s3rver";
}

/// <summary>Shorthands for tests that shape the read-ahead.</summary>
public static class S3SettingsForTests
{
    /// <summary><paramref name="settings"/> with the given read-ahead values changed; the rest as they were.</summary>
    public static S3Settings WithReads(this S3Settings settings, int? readSize = null, int? initialReads = null, int? minReadSize = null,
        long? bufferBudget = null) => settings with
        {
            ReadAhead = settings.ReadAhead with
            {
                ReadSize = readSize ?? settings.ReadAhead.ReadSize,
                InitialReads = initialReads ?? settings.ReadAhead.InitialReads,
                MinReadSize = minReadSize ?? settings.ReadAhead.MinReadSize,
                BufferBudget = bufferBudget ?? settings.ReadAhead.BufferBudget,
            },
        };
}
