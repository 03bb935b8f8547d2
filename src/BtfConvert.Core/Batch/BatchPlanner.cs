using BtfConvert.Core.IO;
using BtfConvert.Core.Record;

namespace BtfConvert.Core.Batch;

/// <summary>
/// The pure half of a batch: which listed inputs are selected, where each goes, and whether it must be converted.
/// No I/O here (the runner lists and looks up outputs), so every rule is unit-tested on plain records.
/// </summary>
public sealed class BatchPlanner
{
    private readonly BatchSettings _settings;
    private readonly GlobPattern[] _include;
    private readonly GlobPattern[] _exclude;
    private readonly string _fingerprint;

    public BatchPlanner(BatchSettings settings)
    {
        _settings = settings;
        settings.Validate();
        SourceRoot = BatchLocations.NormalizeRoot(settings.Source);
        DestinationRoot = BatchLocations.NormalizeRoot(settings.Destination);
        _include = settings.Include.Select(p => new GlobPattern(p)).ToArray();
        _exclude = settings.Exclude.Select(p => new GlobPattern(p)).ToArray();
        _fingerprint = settings.Options.Fingerprint();
    }

    public string SourceRoot { get; }
    public string DestinationRoot { get; }

    /// <summary>The part of the inputs this worker takes (<see cref="BatchSettings.Shard"/>).</summary>
    public ShardSpec Shard => _settings.Shard;

    /// <summary>True if a path relative to the source root passes the include and exclude globs.</summary>
    public bool IsSelected(string relativePath) =>
        _include.Any(g => g.IsMatch(relativePath)) && !_exclude.Any(g => g.IsMatch(relativePath));

    /// <summary>
    /// True if a listed location could be an input: below the source root, outside an output tree inside it, and
    /// selected by the globs. Given to the listing, so nothing else is examined.
    /// </summary>
    public bool IsWanted(string location)
    {
        // An output tree inside the source tree must not feed the next run with our own outputs.
        if (DestinationInsideSource && BatchLocations.IsUnder(DestinationRoot, location))
        {
            return false;
        }

        string relative = BatchLocations.RelativePath(SourceRoot, location);
        return relative.Length > 0 && !relative.EndsWith('/') && IsSelected(relative);
    }

    private bool DestinationInsideSource => !string.Equals(SourceRoot, DestinationRoot, StringComparison.Ordinal)
        && BatchLocations.IsUnder(SourceRoot, DestinationRoot);

    /// <summary>
    /// The warning lines for what the listing could not describe and is not an input: folders that could not be read
    /// (unless every file in them would be excluded), links to nothing, and one line for all names that are not
    /// UTF-8 and that are not inputs (nor excluded). Names that are not UTF-8 but selected become failed inputs in <see cref="Select"/>.
    /// </summary>
    public IReadOnlyList<string> ListingWarnings(IEnumerable<StorageObjectInfo> listed)
    {
        var warnings = new List<string>();
        var unselectedNames = new List<string>();
        foreach (var problem in listed.Where(l => l.Issue is not null).OrderBy(l => l.Location, StringComparer.Ordinal))
        {
            switch (problem.Issue!.Kind)
            {
                case ListingIssueKind.UnreadableFolder when !IsExcludedFolder(problem.Location):
                case ListingIssueKind.DanglingLink:
                    warnings.Add(problem.Issue.Message);
                    break;
                case ListingIssueKind.UnrepresentableName when !IsWanted(problem.Location) && !IsExcluded(problem.Location):
                    unselectedNames.Add(problem.Location);
                    break;
            }
        }

        if (unselectedNames.Count > 0)
        {
            string examples = string.Join(", ", unselectedNames.Take(3)) + (unselectedNames.Count > 3 ? ", …" : string.Empty);
            warnings.Add($"{SourceRoot}: {unselectedNames.Count} file name(s) are not valid UTF-8 and were passed over (not inputs): {examples}");
        }

        return warnings;
    }

    /// <summary>How many folders below the source could not be read (counted in the summary).</summary>
    public int UnreadableFolders(IEnumerable<StorageObjectInfo> listed) =>
        listed.Count(l => l.Issue?.Kind == ListingIssueKind.UnreadableFolder && !IsExcludedFolder(l.Location));

    /// <summary>True if an --exclude glob takes this file: the user has said it does not matter.</summary>
    private bool IsExcluded(string location) => _exclude.Any(g => g.IsMatch(BatchLocations.RelativePath(SourceRoot, location)));

    /// <summary>True if an --exclude glob takes every file in this folder (so it not being readable does not matter).</summary>
    private bool IsExcludedFolder(string location) =>
        (DestinationInsideSource && BatchLocations.IsUnder(DestinationRoot, location))
        || _exclude.Any(g => g.IsMatch(BatchLocations.RelativePath(SourceRoot, location) + "/any-file"));

    /// <summary>
    /// Selects and maps the listed inputs of this worker's shard, in a stable order. Inputs that cannot be mapped safely come back with
    /// <see cref="BatchAction.Fail"/>; the rest with <see cref="BatchAction.Convert"/> until <see cref="Decide"/>
    /// sees their outputs. Listing problems are left to <see cref="ListingWarnings"/>, except a selected name that
    /// cannot be represented: that is an input which cannot be read, so it fails.
    /// </summary>
    public IReadOnlyList<BatchItem> Select(IEnumerable<StorageObjectInfo> listed)
    {
        var items = new List<BatchItem>();
        var claimed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in listed.OrderBy(s => s.Location, StringComparer.Ordinal))
        {
            if ((source.Issue is not null && source.Issue.Kind != ListingIssueKind.UnrepresentableName) || !IsWanted(source.Location))
            {
                continue;
            }

            string relative = BatchLocations.RelativePath(SourceRoot, source.Location);
            string destination = BatchLocations.Destination(DestinationRoot, relative, _settings.Suffix);
            string? unsafeReason = StorageLocation.IsRemote(DestinationRoot) ? null : BatchLocations.UnsafeForLocal(relative);
            if (source.Issue is { } issue)
            {
                items.Add(new BatchItem(source, relative, destination, BatchAction.Fail, issue.Message));
            }
            else if (unsafeReason is not null)
            {
                items.Add(new BatchItem(source, relative, destination, BatchAction.Fail, $"{source.Location}: {unsafeReason}"));
            }
            else if (string.Equals(destination, source.Location, StringComparison.Ordinal))
            {
                items.Add(new BatchItem(source, relative, destination, BatchAction.Fail,
                    $"{source.Location}: the output would replace the input (choose another --suffix or destination)"));
            }
            else if (!claimed.TryAdd(destination, source.Location))
            {
                // slide.btf and slide.tif would both become slide.tiff: convert the first, report the second.
                items.Add(new BatchItem(source, relative, destination, BatchAction.Fail,
                    $"{source.Location}: {claimed[destination]} maps to the same output {destination}"));
            }
            else
            {
                items.Add(new BatchItem(source, relative, destination, BatchAction.Convert, "no output yet"));
            }
        }

        // The shard is taken last, so that mapping collisions are decided on the whole listing and every shard
        // agrees which of slide.btf and slide.tif converts (ShardSpec: a hash of the relative path).
        return items.Where(i => _settings.Shard.Contains(i.RelativePath)).ToList();
    }

    /// <summary>Decides one selected item given what exists at its destination (null: nothing).</summary>
    public BatchItem Decide(BatchItem item, StorageObjectInfo? existingOutput)
    {
        if (item.Action == BatchAction.Fail)
        {
            return item;
        }

        item = item with { ExistingOutput = existingOutput };
        if (existingOutput is null)
        {
            return item with { Action = BatchAction.Convert, Reason = "no output yet" };
        }

        if (_settings.Force)
        {
            return item with { Action = BatchAction.Convert, Reason = "forced (--force)" };
        }

        if (!OutputRecord.HasRecord(existingOutput.Metadata))
        {
            return _settings.Overwrite
                ? item with { Action = BatchAction.Convert, Reason = "the output has no btfconvert record; replacing it (--overwrite)" }
                : item with
                {
                    Action = BatchAction.Fail,
                    Reason = $"{item.Destination}: output exists and was not written by btfconvert ({OutputExistsException.OverwriteHint})",
                };
        }

        string? outdated = OutputRecord.WhyOutdated(existingOutput.Metadata, item.Source.ETag, item.Source.Length, _fingerprint);
        return outdated is null
            ? item with { Action = BatchAction.Skip, Reason = "up to date" }
            : item with { Action = BatchAction.Convert, Reason = outdated };
    }
}
