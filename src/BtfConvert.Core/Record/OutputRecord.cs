using System.Globalization;
namespace BtfConvert.Core.Record;

/// <summary>
/// What a conversion records with its output — inside the TIFF (an XMP packet in level 0, see
/// <see cref="OutputRecordXmp"/>) and, on S3, also as user metadata x-amz-meta-* — and how a batch run decides from it
/// that the output is up to date. Outputs of older versions kept it in a local sidecar (<see cref="LocalOutputRecord"/>).
/// The keys are the ones <c>btfconvert convert</c> writes, so outputs of single conversions are recognised too.
/// The record is plain data and depends on no other Core namespace: the storages (IO) keep it, the TIFF reader finds
/// it in an output's head, the converter writes it and batch compares it.
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

    /// <summary>Set when a sidecar exists but the output was changed after it was written, or the output is cut short.</summary>
    public const string Stale = "btfconvert-record-stale";

    private const string AmzPrefix = "x-amz-meta-";

    /// <summary>
    /// Longest recorded source location, counted as it travels (non-ASCII values are percent-escaped in S3 headers,
    /// up to 9 characters per character). S3 allows 2 KB of user metadata in all; the location is informational
    /// (never compared), so a longer one keeps its tail and a hash of the whole.
    /// </summary>
    public const int MaxSourceLength = 512;

    /// <param name="sourceETag">The source's ETag as its storage reports it (a local file's is made from its size and time).</param>
    public static Dictionary<string, string> Create(string source, string? sourceETag, long sourceLength, string optionsFingerprint) => new()
    {
        [Source] = ShortenSource(source),
        [SourceETag] = sourceETag ?? string.Empty,
        [SourceSize] = sourceLength.ToString(CultureInfo.InvariantCulture),
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
    /// Null when the output whose record is <paramref name="outputRecord"/> was converted from exactly the source
    /// (same ETag and size) with the same options; otherwise why it must be converted again. The converter version is
    /// recorded but not compared: a new release must not reconvert terabytes whose output would be the same.
    /// </summary>
    public static string? WhyOutdated(IReadOnlyDictionary<string, string> outputRecord, string? sourceETag, long sourceLength,
        string optionsFingerprint)
    {
        if (Get(outputRecord, Stale) is { } stale)
        {
            return stale;
        }

        string? etag = Get(outputRecord, SourceETag);
        if (etag is null)
        {
            return "the output has no btfconvert record";
        }

        if (!string.Equals(Unquote(etag), Unquote(sourceETag ?? string.Empty), StringComparison.Ordinal) || etag.Length == 0)
        {
            return $"the source changed (ETag {Unquote(sourceETag ?? "?")}, recorded {Unquote(etag)})";
        }

        if (Get(outputRecord, SourceSize) != sourceLength.ToString(CultureInfo.InvariantCulture))
        {
            return $"the source changed (size {sourceLength}, recorded {Get(outputRecord, SourceSize) ?? "none"})";
        }

        string? options = Get(outputRecord, Options);
        if (!string.Equals(options, optionsFingerprint, StringComparison.Ordinal))
        {
            return $"the options changed ({optionsFingerprint}, recorded {options ?? "none"})";
        }

        return null;
    }

    // S3 ETags are quoted strings; some clients strip the quotes. Compare the bare value.
    private static string Unquote(string etag) => etag.Trim('"');
}
