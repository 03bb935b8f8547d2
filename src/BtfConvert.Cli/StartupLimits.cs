using System.Runtime.InteropServices;

namespace BtfConvert.Cli;

/// <summary>
/// Process limits under which the .NET runtime cannot work, checked first thing so the operator gets one line
/// naming the limit instead of a crash deep in the runtime. Measured with the published x64 binary:
/// <list type="bullet">
/// <item>Open files: every assembly of the single file is opened when first used, so with 24–40 descriptors the
/// run aborted (SIGABRT, "Could not load file or assembly"), and at 48–64 a batch reported a missing assembly as bad
/// input (exit 3); 96 converted. The runtime raises the soft limit to the hard one itself, so this is the hard
/// limit (<c>ulimit -Hn</c>, systemd <c>LimitNOFILE=</c>).</item>
/// <item>Address space (<c>ulimit -v</c>, <c>LimitAS=</c>): the runtime reserves far more than it uses; at 1 GiB it
/// cannot start, at 2 GiB the first conversion aborts with "Out of memory." while the process uses under 256 MB.
/// Memory is capped with a cgroup instead (<c>MemoryMax=</c>), which counts what is used.</item>
/// </list>
/// See docs/operations.md ("Limits").
/// </summary>
internal static partial class StartupLimits
{
    public const int MinimumOpenFiles = 256;
    public const long MinimumAddressSpace = 3L << 30;

    // Linux resource numbers (the same on x86-64 and arm64).
    private const int OpenFilesResource = 7, AddressSpaceResource = 9;

    /// <summary>A line saying which limit is too tight for the runtime and what to do, or null when none is.</summary>
    public static string? Problem()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        if (Current(OpenFilesResource) is { } files && files < MinimumOpenFiles)
        {
            return $"btfconvert: the open-files limit is {files} (ulimit -n; systemd LimitNOFILE=): the runtime opens each of its parts as a file, so at least {MinimumOpenFiles} (1024 or more for batch --jobs) is needed; not started";
        }

        if (Current(AddressSpaceResource) is { } space && space < MinimumAddressSpace)
        {
            return $"btfconvert: the virtual memory limit is {space >> 20} MiB (ulimit -v; systemd LimitAS=): the .NET runtime reserves address space far beyond what it uses and fails under {MinimumAddressSpace >> 30} GiB; " +
                "remove it and cap memory with a cgroup instead (systemd MemoryMax=, docker --memory); not started";
        }

        return null;
    }

    /// <summary>
    /// One of btfconvert's own assemblies (or the runtime's) failed to load: in practice the open-files limit ran
    /// out (reported by the runtime as "cannot find the file"); not a problem with the input.
    /// </summary>
    public static bool IsMissingOwnPart(Exception e) =>
        AssemblyName(e) is { } name && name.Contains(", Version=", StringComparison.Ordinal) && name.Contains("PublicKeyToken=", StringComparison.Ordinal);

    private static string? AssemblyName(Exception e) => e switch
    {
        FileNotFoundException f => f.FileName,
        FileLoadException f => f.FileName,
        TypeInitializationException { InnerException: { } inner } => AssemblyName(inner),
        _ => null,
    };

    public static string MissingOwnPartMessage(Exception e)
    {
        string name = AssemblyName(e) ?? "?";
        string limit = OperatingSystem.IsLinux() && Current(OpenFilesResource) is { } files ? files.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown";
        return $"btfconvert could not load its own component {name.Split(',')[0]} (the open-files limit is {limit}: raise ulimit -n / LimitNOFILE= to 1024 or more); not a problem with the input";
    }

    private static long? Current(int resource)
    {
        var limit = default(ResourceLimit);
        return GetResourceLimit(resource, ref limit) != 0 || limit.Current == ulong.MaxValue ? null : (long)Math.Min(limit.Current, long.MaxValue);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    /// <summary>
    /// Writes the line with write(2) on descriptor 2: with 24 descriptors even System.Console cannot be loaded, and
    /// this needs nothing the process does not already have.
    /// </summary>
    public static unsafe void WriteToStandardError(string line)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        fixed (byte* start = bytes)
        {
            for (nint done = 0; done < bytes.Length;)
            {
                nint written = WriteFile(2, start + done, (nuint)(bytes.Length - done));
                if (written <= 0)
                {
                    return;
                }

                done += written;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "write")]
    private static unsafe partial nint WriteFile(int descriptor, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetResourceLimit(int resource, ref ResourceLimit limit);
}
