using System.Globalization;
namespace BtfConvert.Core.IO;

/// <summary>
/// What a conversion records with its output — inside the TIFF (an XMP packet in level 0, see
/// <see cref="OutputRecordXmp"/>) and, on S3, also as user metadata x-amz-meta-* — and how a batch run decides from it
/// that the output is up to date. Outputs of older versions kept it in a local sidecar (<see cref="LocalOutputRecord"/>).
/// The keys are the ones <c>btfconvert convert</c> writes, so outputs of single conversions are recognised too.
/// It lives in IO, beside the storages that keep it, and takes the options as their fingerprint: IO depends on no
/// other Core namespace, so the namespace graph stays acyclic (see NamespaceGraphTests).
/// </summary>
internal static class OutputRecord
{
    public const string Source = "btfconvert-source";
    public const string SourceETag = "btfconvert-source-etag";
    public const string SourceSize = "btfconvert-source-size";
    public const string Version = "btfconvert-version";
    public const string Options = "btfconvert-options";

    /// <summary>When the conversion started (UTC, ISO 8601, whole seconds); informational, never compared.</summary>
    public const string Time = "btfconvert-time";

    /// <summary>
    /// The reproducible-builds convention: when set (seconds since 1970), it is the recorded time, so two runs of the
    /// same conversion are byte-identical; otherwise the time is the only field that differs between them.
    /// </summary>
    public const string SourceDateEpochVariable = "SOURCE_DATE_EPOCH";

    /// <summary>Set by <see cref="LocalStorage"/> when a sidecar exists but the output was changed after it was written.</summary>
    public const string Stale = "btfconvert-record-stale";

    private const string AmzPrefix = "x-amz-meta-";

    /// <summary>
    /// Longest recorded source location, counted as it travels (non-ASCII values are percent-escaped in S3 headers,
    /// up to 9 characters per character). S3 allows 2 KB of user metadata in all; the location is informational
    /// (never compared), so a longer one keeps its tail and a hash of the whole.
    /// </summary>
    public const int MaxSourceLength = 512;

    public static Dictionary<string, string> Create(string source, StorageObjectInfo sourceInfo, string optionsFingerprint) => new()
    {
        [Source] = ShortenSource(source),
        [SourceETag] = sourceInfo.ETag ?? string.Empty,
        [SourceSize] = sourceInfo.Length.ToString(CultureInfo.InvariantCulture),
        [Version] = ProductInfo.Version,
        [Options] = optionsFingerprint,
        [Time] = Now().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    };

    private static DateTime Now() =>
        long.TryParse(Environment.GetEnvironmentVariable(SourceDateEpochVariable), NumberStyles.None, CultureInfo.InvariantCulture, out long epoch)
            && epoch <= 253402300799
            ? DateTime.UnixEpoch.AddSeconds(epoch)
            : DateTime.UtcNow;

    /// <summary>The location as recorded: unchanged when short, else "…" + its tail + "#sha256:" + 16 hex digits.</summary>
    public static string ShortenSource(string source)
    {
        if (Uri.EscapeDataString(source).Length <= MaxSourceLength)
        {
            return source;
        }

        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source)))[..16];
        string suffix = $"#sha256:{hash}";
        int start = source.Length;
        while (start > 0 && Uri.EscapeDataString($"…{source[(start - 1)..]}{suffix}").Length <= MaxSourceLength)
        {
            start--;
        }

        if (start < source.Length && char.IsLowSurrogate(source[start]))
        {
            start++;
        }

        return $"…{source[start..]}{suffix}";
    }

    /// <summary>
    /// Reads a recorded value. S3 lower-cases metadata names and some clients keep the "x-amz-meta-" prefix,
    /// so both spellings are accepted, in any case.
    /// </summary>
    public static string? Get(IReadOnlyDictionary<string, string> metadata, string key)
    {
        foreach (var (name, value) in metadata)
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase)
                || (name.StartsWith(AmzPrefix, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(name[AmzPrefix.Length..], key, StringComparison.OrdinalIgnoreCase)))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>True if the output carries a btfconvert record at all (stale or not).</summary>
    public static bool HasRecord(IReadOnlyDictionary<string, string> metadata) =>
        Get(metadata, SourceETag) is not null || Get(metadata, Stale) is not null;

    /// <summary>
    /// Null when <paramref name="output"/> was converted from exactly <paramref name="source"/> (same ETag and size)
    /// with the same options; otherwise why it must be converted again. The converter version is recorded but not
    /// compared: a new release must not reconvert terabytes whose output would be the same.
    /// </summary>
    public static string? WhyOutdated(StorageObjectInfo output, StorageObjectInfo source, string optionsFingerprint)
    {
        var metadata = output.Metadata;
        if (Get(metadata, Stale) is { } stale)
        {
            return stale;
        }

        string? etag = Get(metadata, SourceETag);
        if (etag is null)
        {
            return "the output has no btfconvert record";
        }

        if (!string.Equals(Unquote(etag), Unquote(source.ETag ?? string.Empty), StringComparison.Ordinal) || etag.Length == 0)
        {
            return $"the source changed (ETag {Unquote(source.ETag ?? "?")}, recorded {Unquote(etag)})";
        }

        if (Get(metadata, SourceSize) != source.Length.ToString(CultureInfo.InvariantCulture))
        {
            return $"the source changed (size {source.Length}, recorded {Get(metadata, SourceSize) ?? "none"})";
        }

        string? options = Get(metadata, Options);
        if (!string.Equals(options, optionsFingerprint, StringComparison.Ordinal))
        {
            return $"the options changed ({optionsFingerprint}, recorded {options ?? "none"})";
        }

        return null;
    }

    // S3 ETags are quoted strings; some clients strip the quotes. Compare the bare value.
    private static string Unquote(string etag) => etag.Trim('"');
}
