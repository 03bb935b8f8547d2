using System.Text.Json;

namespace BtfConvert.Core.Record;

/// <summary>
/// The record sidecars of earlier versions (<c>DIR/.NAME.tiff.btfconvert.json</c>): btfconvert keeps the record
/// inside the output (<see cref="OutputRecordXmp"/>) and writes no sidecar. Old sidecars are still read, so outputs
/// of earlier versions are not converted again, and an old sidecar is deleted when its output is replaced
/// (docs/operations.md, "Upgrading from record sidecars").
/// <para>
/// A sidecar also recorded the output's own size and modification time; one that does not match the file beside it
/// (the file was edited, or copied with a new mtime) is reported as stale (<see cref="OutputRecord.Stale"/>), so
/// the next batch run converts that output again — and the new output carries its record inside.
/// </para>
/// </summary>
internal static class LocalOutputRecord
{
    /// <summary>NAME_MAX of Linux file systems, in bytes: a longer sidecar name cannot exist.</summary>
    private const int MaxNameBytes = 255;

    public const string SidecarSuffix = ".btfconvert.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string SidecarPath(string outputPath)
    {
        string full = Path.GetFullPath(outputPath);
        return Path.Combine(Path.GetDirectoryName(full) ?? ".", "." + Path.GetFileName(full) + SidecarSuffix);
    }

    /// <summary>True for a sidecar's file name (hidden from listings of inputs, as the sink's temporaries are).</summary>
    public static bool IsSidecar(string path)
    {
        string name = Path.GetFileName(path);
        return name.StartsWith('.') && name.EndsWith(SidecarSuffix, StringComparison.Ordinal);
    }

    /// <summary>Removes the sidecar of <paramref name="outputPath"/> (its output was just replaced by one that carries its record).</summary>
    public static void Delete(string outputPath) => TryDelete(SidecarPath(outputPath));

    /// <summary>
    /// The metadata recorded for <paramref name="output"/>: empty if there is no sidecar; only
    /// <see cref="OutputRecord.Stale"/> if the sidecar describes a different file than the one there now.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read(FileInfo output, string outputETag)
    {
        string sidecar = SidecarPath(output.FullName);
        if (System.Text.Encoding.UTF8.GetByteCount(Path.GetFileName(sidecar)) > MaxNameBytes)
        {
            // An output name near the limit has no room for a sidecar's name: no version ever wrote one.
            return new Dictionary<string, string>();
        }

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
