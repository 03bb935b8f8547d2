using System.Diagnostics;

using BtfConvert.Cli;

namespace BtfConvert.Tests.Shared;

/// <summary>
/// Runs btfconvert as users do: in-process through Program.RunAsync (console captured), or as a child process.
/// Linked into the test projects that reference the CLI (tests/Shared).
/// </summary>
public static class CliRunner
{
    private static readonly SemaphoreSlim ConsoleLock = new(1, 1);

    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string Output => StdOut + StdErr;
    }

    /// <summary>In-process run with captured console output.</summary>
    public static async Task<Result> RunAsync(params string[] args)
    {
        await ConsoleLock.WaitAsync();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            int code = await Program.RunAsync(args, CancellationToken.None);
            return new Result(code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            ConsoleLock.Release();
        }
    }

    /// <summary>Path of the built btfconvert.dll next to the test assembly.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "btfconvert.dll");

    public static Process Start(params string[] args) => Start(null, args);

    private static Process Start(IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start btfconvert");
    }

    /// <summary>
    /// A child that stops at <paramref name="point"/> (the test-only BTFCONVERT_TEST_PAUSE hook, see TestPause in
    /// the CLI) and waits there for a signal: a test interrupts it at that point, never racing a kill against the
    /// work. Await <see cref="Paused.ReachedAsync"/> before signalling.
    /// </summary>
    public static Paused StartPausedAt(string point, params string[] args)
    {
        string ready = Path.Combine(Path.GetTempPath(), $"btfconvert-test-pause-{Guid.NewGuid():N}");
        var process = Start(new Dictionary<string, string> { ["BTFCONVERT_TEST_PAUSE"] = $"{point}:{ready}" }, args);
        return new Paused(process, ready, point);
    }

    public sealed class Paused(Process process, string readyFile, string point) : IDisposable
    {
        private readonly System.Text.StringBuilder _stderr = new();
        private Task? _stdout;

        public Process Process => process;

        /// <summary>Everything the child wrote to stderr so far.</summary>
        public string StdErr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        /// <summary>Returns once the child waits at its point; fails if it exits first (the point was never reached).</summary>
        public async Task ReachedAsync()
        {
            process.ErrorDataReceived += (_, e) =>
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            };
            process.BeginErrorReadLine();
            _stdout = process.StandardOutput.ReadToEndAsync();
            // Polling a file the child creates: the order is explicit, this only waits for it (a hang guard, not a race).
            using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            while (!File.Exists(readyFile))
            {
                if (process.HasExited)
                {
                    await process.WaitForExitAsync(guard.Token);
                    Assert.Fail($"btfconvert exited ({process.ExitCode}) without reaching {point}: {StdErr}");
                }

                await Task.Delay(10, guard.Token);
            }
        }

        /// <summary>Signals the paused child and waits for it to end.</summary>
        public async Task SignalAndWaitAsync(string signal)
        {
            await SignalAsync(process, signal);
            using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(guard.Token);
            if (_stdout is not null)
            {
                await _stdout;
            }
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.Dispose();
            File.Delete(readyFile);
        }
    }

    /// <summary>Runs any program (a reader, mount, kill…) to its end with its output captured; 2 minutes at most.</summary>
    public static Result RunProgram(string file, params string[] args) => RunProgramIn(null, null, file, args);

    /// <summary>As <see cref="RunProgram"/>, in a working directory and with variables added to the environment.</summary>
    public static Result RunProgramIn(string? workingDirectory, IReadOnlyDictionary<string, string>? environment, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.WorkingDirectory = workingDirectory ?? string.Empty;
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} did not finish within 2 minutes");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Sends a POSIX signal (TERM, INT, …) to a child with kill(1) and waits for kill to finish.</summary>
    public static async Task SignalAsync(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("could not start kill");
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>A child process with exactly the environment given (plus PATH, HOME and DOTNET_ROOT), to test credential lookup.</summary>
    public static async Task<Result> RunIsolatedAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "btfconvert.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var keep = new[] { "PATH", "DOTNET_ROOT", "DOTNET_CLI_HOME" };
        foreach (string key in info.Environment.Keys.ToList())
        {
            if (!keep.Contains(key))
            {
                info.Environment.Remove(key);
            }
        }

        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start btfconvert");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
