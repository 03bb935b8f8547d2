using BtfConvert.Core.IO;
using BtfConvert.Core.Record;
using BtfConvert.Core.Source;

namespace BtfConvert.Core.Conversion;

/// <summary>What to convert: one input location to one output location, both reached through <see cref="IStorage"/>.</summary>
/// <param name="Replace">Replace an existing output (<see cref="SinkOptions.Overwrite"/>).</param>
/// <param name="MissingSource">The problem named when the input has gone, after "INPUT: ".</param>
public sealed record ConversionJob(string Input, string Output, ConversionOptions Options, bool Replace,
    string MissingSource = "no such file or object")
{
    /// <summary>See <see cref="SinkOptions.CreateParentDirectories"/>.</summary>
    public bool CreateParentDirectories { get; init; }
}

/// <summary>How the caller sees one conversion: the source's warnings and the progress of the pass.</summary>
public interface IConversionMonitor
{
    /// <summary>The source was inspected (its <see cref="SourceInfo.Warnings"/> are the caller's to report); no output exists yet.</summary>
    void Inspected(SourceInfo source, long sourceBytes);

    /// <summary>
    /// Runs <paramref name="convert"/> once with the progress reporter of the caller's choice (a live bar, log lines,
    /// a batch observer, or none) and returns its result; called once the sink is open.
    /// </summary>
    Task<ConversionResult> TrackAsync(long sourceBytes, Func<IProgress<ConversionProgress>?, Task<ConversionResult>> convert);
}

/// <summary>
/// Converts one stored input: inspect the source, record it, open the sink, convert. <c>btfconvert convert</c> and
/// batch both call it, so a single conversion writes the very record a batch run checks to skip an up-to-date output.
/// </summary>
public static class StorageConversion
{
    public static async Task<ConversionResult> ConvertAsync(IStorage storage, ConversionJob job, IConversionMonitor monitor,
        CancellationToken cancellationToken)
    {
        // One look at the source (one HEAD on S3): the record carries the size and ETag the reads are pinned to, so it
        // names exactly the bytes converted.
        await using var source = await OpenSourceAsync(storage, job, cancellationToken).ConfigureAwait(false);
        var info = await SourceInspector.InspectAsync(source, cancellationToken).ConfigureAwait(false);
        var orientation = info.Main.Orientation;
        if (job.Options.IgnoreOrientation && !orientation.IsUpright)
        {
            info = info with { Warnings = [.. info.Warnings, $"orientation {orientation.Describe()} ignored ({ImageOrientation.AsStoredOption}): the output shows the image as stored"] };
        }

        monitor.Inspected(info, source.Length);

        // The thread count is not part of the fingerprint: the output is byte-identical for any value. The record goes
        // into the output's head (and, on S3, into the object's user metadata too, so a batch skips with one HEAD).
        var metadata = OutputRecord.Create(job.Input, source.ETag, source.Length, job.Options.Fingerprint());
        await using var sink = await storage.CreateAsync(job.Output, new SinkOptions(job.Replace, metadata) { CreateParentDirectories = job.CreateParentDirectories }, cancellationToken)
            .ConfigureAwait(false);
        return await monitor.TrackAsync(source.Length,
            progress => TiffConverter.ConvertAsync(info, source, sink, job.Options, metadata, progress, cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<IByteSource> OpenSourceAsync(IStorage storage, ConversionJob job, CancellationToken cancellationToken)
    {
        try
        {
            return await storage.OpenReadAsync(job.Input, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"{job.Input}: {job.MissingSource}", job.Input, e);
        }
    }
}
