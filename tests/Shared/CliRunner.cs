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

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start btfconvert");
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
