using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

namespace BtfConvert.Cli;

/// <summary>
/// <c>--log-file</c>: JSON lines appended to a file, each written through at once (no buffer to flush at exit).
/// The log never changes the outcome of the work: a file that cannot be opened or written (a full /var/log, a
/// read-only mount) is one warning line on stderr, the first time, and the run goes on without it. (Serilog's file
/// sink kept the lines it could not write in its buffer and threw them again from the final flush: a finished run
/// ended in SIGABRT.)
/// </summary>
internal sealed class LogFileSink : ILogEventSink, IDisposable
{
    private static readonly ITextFormatter Formatter = new CompactJsonFormatter();
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    // Logging is configured again when a live bar starts and ends: the warning is printed once per process.
    private static int _warned;

    private readonly string _path;
    private readonly Lock _lock = new();
    private FileStream? _stream;

    public LogFileSink(string path)
    {
        _path = path;
        try
        {
            string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            // bufferSize 0: every line is one write(2), so a failure is seen on the line that failed.
            _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            Fail(e);
        }
    }

    public void Emit(LogEvent logEvent)
    {
        var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        Formatter.Format(logEvent, text);
        byte[] line = Utf8.GetBytes(text.ToString());
        lock (_lock)
        {
            if (_stream is null)
            {
                return;
            }

            try
            {
                _stream.Write(line);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail(e);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            try
            {
                _stream?.Dispose();
            }
            catch (IOException)
            {
                // Nothing is buffered; a close error (NFS) has nothing left to lose.
            }

            _stream = null;
        }
    }

    private void Fail(Exception e)
    {
        var stream = _stream;
        _stream = null;
        try
        {
            stream?.Dispose();
        }
        catch (IOException)
        {
        }

        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            Console.Error.WriteLine($"btfconvert: warning: the log file {_path} cannot be written ({e.Message}); the run goes on without it");
        }
    }
}
