using System.Net.Sockets;
using BtfConvert.Core.IO;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.IO;

/// <summary>Local inputs: only regular files are opened, and a file changing under the reader is "source changed".</summary>
public sealed class LocalSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Sample()
    {
        string path = _dir.File("in.btf");
        BtfSampleWriter.Write(path, new SampleSpec { Width = 64, Height = 48, Seed = 2 });
        return path;
    }

    [Fact]
    public async Task A_file_that_grows_while_read_is_source_changed()
    {
        string path = Sample();
        await using var source = LocalFileSource.Open(path);
        await File.AppendAllTextAsync(path, "more");
        var e = await Assert.ThrowsAsync<SourceChangedException>(() => source.ReadExactlyAsync(0, new byte[16], default).AsTask());
        Assert.StartsWith($"{path}: source changed while being read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_shrinks_while_read_is_source_changed()
    {
        string path = Sample();
        await using var source = LocalFileSource.Open(path);
        await using (var f = new FileStream(path, FileMode.Open))
        {
            f.SetLength(100);
        }

        var e = await Assert.ThrowsAsync<SourceChangedException>(() => source.ReadExactlyAsync(200, new byte[16], default).AsTask());
        Assert.StartsWith($"{path}: source changed while being read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rewritten_file_of_the_same_size_is_source_changed()
    {
        string path = Sample();
        await using var source = LocalFileSource.Open(path);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5));
        await Assert.ThrowsAsync<SourceChangedException>(() => source.ReadExactlyAsync(0, new byte[16], default).AsTask());
    }

    [SkippableFact]
    public async Task Non_regular_files_are_refused_before_open_naming_what_they_are()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mkfifo, /dev");
        string fifo = _dir.File("pipe.btf");
        Assert.Equal(0, CliRunnerLike.Run("mkfifo", fifo));
        string socketPath = _dir.File("sock.btf");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        string loop = _dir.File("loop.btf");
        File.CreateSymbolicLink(loop, loop);
        var storage = new LocalStorage();
        foreach (var (path, kind) in new[]
        {
            (fifo, "is a FIFO (named pipe)"), (socketPath, "is a socket"), ("/dev/zero", "is a character device"),
            (_dir.Path, "is a directory"), (loop, "is a symbolic link loop"),
        })
        {
            var open = Assert.ThrowsAsync<NotSupportedException>(() => storage.OpenReadAsync(path, default));
            var info = Assert.ThrowsAsync<NotSupportedException>(() => storage.GetInfoAsync(path, default));
            // A FIFO without a writer would block open() for ever: the refusal must come without opening it.
            Assert.True(Task.WaitAll([open, info], TimeSpan.FromSeconds(10)), $"{path}: not refused within 10 s");
            Assert.StartsWith($"{path}: {kind}", (await open).Message, StringComparison.Ordinal);
            Assert.StartsWith($"{path}: {kind}", (await info).Message, StringComparison.Ordinal);
        }
    }

    private static class CliRunnerLike
    {
        public static int Run(string file, params string[] args)
        {
            using var p = System.Diagnostics.Process.Start(file, args);
            p.WaitForExit();
            return p.ExitCode;
        }
    }
}
