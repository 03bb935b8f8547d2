using System.Text.Json;

namespace BtfConvert.Core.IO;

/// <summary>
/// The user metadata of a local output (what S3 keeps as x-amz-meta-*), stored in a hidden sidecar beside it:
/// <c>DIR/.NAME.btfconvert.json</c>.
/// <para>
/// Why a sidecar and not a user extended attribute: .NET has no xattr API, and xattrs are missing or lossy on
/// file systems our users put outputs on (FAT/exFAT disks, SMB and older NFS mounts, tmpfs before Linux 6.6),
/// and plain <c>cp</c>/<c>rsync</c> drop them. A small JSON file works everywhere and is easy to inspect.
/// </para>
/// <para>
/// Crash safety: the sidecar also records the output's own size and modification time (which a rename keeps).
/// It is written (temp + fsync + rename) just BEFORE the output is renamed into place, so a crash can leave a
/// sidecar without its output, or a sidecar beside an older output, never an output of ours without a sidecar.
/// A sidecar whose recorded size/mtime do not match the file beside it is reported as stale
/// (<see cref="OutputRecord.Stale"/>), so the next batch run converts that output again.
/// </para>
/// </summary>
internal static class LocalOutputRecord
{
    public const string SidecarSuffix = ".btfconvert.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string SidecarPath(string outputPath)
    {
        string full = Path.GetFullPath(outputPath);
        return Path.Combine(Path.GetDirectoryName(full) ?? ".", "." + Path.GetFileName(full) + SidecarSuffix);
    }

    /// <summary>True for the sidecars and temporaries this tool writes (hidden from listings of inputs).</summary>
    public static bool IsBookkeepingFile(string path)
    {
        string name = Path.GetFileName(path);
        return (name.StartsWith('.') && name.EndsWith(SidecarSuffix, StringComparison.Ordinal))
            || (name.StartsWith(LocalFileSink.TempPrefix, StringComparison.Ordinal) && name.EndsWith(LocalFileSink.TempSuffix, StringComparison.Ordinal));
    }

    /// <summary>
    /// Writes the sidecar for <paramref name="outputPath"/> describing the finished, closed file at
    /// <paramref name="finishedFile"/> (the temporary that is about to be renamed to <paramref name="outputPath"/>).
    /// </summary>
    public static void Write(string outputPath, string finishedFile, IReadOnlyDictionary<string, string> metadata)
    {
        string sidecar = SidecarPath(outputPath);
        var content = new SidecarContent(Path.GetFileName(outputPath), LocalStorage.Describe(new FileInfo(finishedFile)).ETag ?? string.Empty,
            new Dictionary<string, string>(metadata));
        string temp = Path.Combine(Path.GetDirectoryName(sidecar) ?? ".",
            $"{LocalFileSink.TempPrefix}{Path.GetFileName(sidecar)}.{Environment.ProcessId}-{Guid.NewGuid():N}{LocalFileSink.TempSuffix}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, content, JsonOptions);
                stream.WriteByte((byte)'\n');
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, sidecar, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Removes the sidecar of <paramref name="outputPath"/> (when publishing the output failed).</summary>
    public static void Delete(string outputPath) => TryDelete(SidecarPath(outputPath));

    /// <summary>
    /// The metadata recorded for <paramref name="output"/>: empty if there is no sidecar; only
    /// <see cref="OutputRecord.Stale"/> if the sidecar describes a different file than the one there now.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read(FileInfo output, string outputETag)
    {
        string sidecar = SidecarPath(output.FullName);
        SidecarContent? content;
        try
        {
            content = JsonSerializer.Deserialize<SidecarContent>(File.ReadAllBytes(sidecar), JsonOptions);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Dictionary<string, string>();
        }
        catch (JsonException)
        {
            content = null;
        }

        if (content?.Metadata is null)
        {
            return new Dictionary<string, string> { [OutputRecord.Stale] = $"its record {sidecar} is unreadable" };
        }

        if (!string.Equals(content.OutputETag, outputETag, StringComparison.Ordinal))
        {
            return new Dictionary<string, string> { [OutputRecord.Stale] = "the output changed after its record was written (or a run was interrupted)" };
        }

        return content.Metadata;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private sealed record SidecarContent(string Output, string OutputETag, Dictionary<string, string> Metadata);
}
