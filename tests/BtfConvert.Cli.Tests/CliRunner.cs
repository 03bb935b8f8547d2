using System.Diagnostics;

namespace BtfConvert.Cli.Tests;

/// <summary>Runs btfconvert as users do: in-process through Program.RunAsync, or as a child process.</summary>
public static class CliRunner
{
    private static readonly SemaphoreSlim ConsoleLock = new(1, 1);

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

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
}
