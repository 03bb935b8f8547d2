using System.Globalization;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Batch;

/// <summary>
/// The default <c>--jobs</c>: as many conversions as the cores and the memory of this machine (or container)
/// carry, so a big VM is limited by its network, not by a fixed count. docs/operations.md has the table.
/// </summary>
/// <param name="Jobs">Conversions at once.</param>
/// <param name="Reason">How it was chosen, for the log line at start.</param>
public sealed record JobCount(int Jobs, string Reason)
{
    /// <summary>Peak per local conversion, measured at the real slide's width (231–247 MB RSS for one job).</summary>
    public const long LocalJobBytes = 256L << 20;

    /// <summary>Per conversion reading or writing S3: the HTTP stack adds ~100 MB outside the GC heap (measured 356–370 MB).</summary>
    public const long S3JobBytes = 400L << 20;

    /// <summary>The process itself (runtime, SDK, listing of a few thousand inputs).</summary>
    public const long BaseBytes = 50L << 20;

    /// <summary>
    /// No default above this: at ~240 MB/s per S3 conversion, 64 already exceed a 100 Gbit/s link, and locally
    /// 64 × 2 cores is more than any one VM has.
    /// </summary>
    public const int MaxDefault = 64;

    /// <summary>
    /// For a batch from <paramref name="source"/> to <paramref name="destination"/> in this process:
    /// <see cref="Environment.ProcessorCount"/> and the GC's view of available memory (cgroup limits included).
    /// </summary>
    public static JobCount ForThisMachine(string source, string destination) =>
        For(Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            usesS3: StorageLocation.IsRemote(source) || StorageLocation.IsRemote(destination));

    /// <summary>
    /// Half the cores (each conversion then encodes on 2 threads, ~600 MB/s of JPEG, more than one S3 stream's
    /// ~240 MB/s; two conversions even on 1–2 cores so I/O overlaps encoding), but no more than 3/4 of the memory
    /// holds (the rest is page cache and other processes), and at least one.
    /// </summary>
    internal static JobCount For(int cores, long availableMemoryBytes, bool usesS3)
    {
        long perJob = usesS3 ? S3JobBytes : LocalJobBytes;
        int byCores = Math.Max(2, cores / 2);
        long byMemory = Math.Max(1, (availableMemoryBytes / 4 * 3 - BaseBytes) / perJob);
        int jobs = (int)Math.Min(Math.Min(byCores, byMemory), MaxDefault);
        string limit = jobs == MaxDefault && byCores > MaxDefault && byMemory > MaxDefault ? $"the default's cap {MaxDefault}"
            : byMemory < byCores ? "memory"
            : "cores";
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"limited by {limit}: {cores} cores, {availableMemoryBytes / (1L << 20)} MB available, ~{perJob >> 20} MB per {(usesS3 ? "S3" : "local")} job");
        return new JobCount(jobs, reason);
    }
}
