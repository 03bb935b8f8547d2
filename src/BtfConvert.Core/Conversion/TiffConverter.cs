using System.Diagnostics;
using BtfConvert.Core.IO;
using BtfConvert.Core.Output;
using BtfConvert.Core.Pyramid;
using BtfConvert.Core.Source;

namespace BtfConvert.Core.Conversion;

/// <summary>
/// Converts one strip TIFF into a tiled pyramidal TIFF: rows stream from the source into the level chain, tiles are
/// encoded in parallel and appended in order, and the head (all IFDs) is written last over space reserved first.
/// On any failure or cancellation the sink is aborted, so nothing is left at the destination.
/// </summary>
public static class TiffConverter
{
    public static Task<ConversionResult> ConvertAsync(
        SourceInfo source, IByteSource input, IByteSink output, ConversionOptions options,
        IProgress<ConversionProgress>? progress, CancellationToken cancellationToken) =>
        ConvertAsync(source, input, output, options, record: null, progress, cancellationToken);

    /// <param name="record">What the output records about itself (<see cref="Record.OutputRecord"/>), embedded in its head.</param>
    public static async Task<ConversionResult> ConvertAsync(
        SourceInfo source, IByteSource input, IByteSink output, ConversionOptions options,
        IReadOnlyDictionary<string, string>? record, IProgress<ConversionProgress>? progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var plan = ConversionPlan.Create(source, options, record);
        var image = source.Main;
        plan.Orientation.CheckConvertible(input.Name, image, options.IgnoreOrientation, readsBottomUp: image.IsPlainStrips);
        var timings = new StageTimings();
        try
        {
            await output.OpenAsync(plan.Layout.Head.Length, plan.WorstCaseBytes, cancellationToken).ConfigureAwait(false);
            var pipeline = new TileEncodingPipeline(plan.Encoder, options.EffectiveThreads, output, plan.Layout,
                options.DeduplicateTiles, cancellationToken, timings);
            var pyramid = new PyramidBuilder(plan.Pyramid, image.SamplesPerPixel, pipeline, timings);
            await RunStagesAsync(plan, input, pyramid, pipeline, output, progress, timings).ConfigureAwait(false);
            if (!pyramid.IsComplete)
            {
                throw new InvalidOperationException($"{input.Name}: internal error: the pyramid did not receive every row");
            }

            await CommitAsync(plan, output, timings, cancellationToken).ConfigureAwait(false);
            progress?.Report(new ConversionProgress(image.Height, image.Height, input.Length, output.Position));
            return new ConversionResult(input.Name, output.Name, input.Length, output.Position, plan.Pyramid,
                pipeline.TilesWritten, pipeline.DuplicateTiles, plan.BigTiff, plan.EncoderName, plan.MicronsPerPixel,
                stopwatch.Elapsed, source.Warnings)
            {
                Stages = timings.Snapshot(),
            };
        }
        catch
        {
            await output.AbortAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads every row into the pyramid while the pipeline encodes and writes its tiles.</summary>
    private static async Task RunStagesAsync(ConversionPlan plan, IByteSource input, PyramidBuilder pyramid,
        TileEncodingPipeline pipeline, IByteSink output, IProgress<ConversionProgress>? progress, StageTimings timings)
    {
        try
        {
            await RunProducerAsync(plan, input, pyramid, pipeline, output, progress, timings).ConfigureAwait(false);
            await pipeline.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await pipeline.AbandonAsync().ConfigureAwait(false);
            // A stage failure cancels the producer; report the failure, not the cancellation it caused.
            if (e is OperationCanceledException && pipeline.Error is { } stageError)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(stageError);
            }

            throw;
        }
    }

    private static Task RunProducerAsync(ConversionPlan plan, IByteSource input, PyramidBuilder pyramid,
        TileEncodingPipeline pipeline, IByteSink output, IProgress<ConversionProgress>? progress, StageTimings timings)
    {
        // The producer blocks when the encoders are saturated; a dedicated thread keeps that off the thread pool.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var image = plan.Source.Main;
        var thread = new Thread(() =>
        {
            try
            {
                int readSize = plan.Options.ReadSize > 0 ? plan.Options.ReadSize : input.PreferredReadSize;
                Action<long, long> onProgress = (rows, bytes) => progress?.Report(new ConversionProgress(rows, image.Height, bytes, output.Position));
                SourceRows.Read(input, image, plan.Orientation, readSize, pyramid.Top, onProgress, pipeline.Token, timings);
                timings.SetProducerCpu(ThreadCpuTime.OfCurrentThread());
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = "strip-reader" };
        thread.Start();
        return done.Task;
    }

    /// <summary>Writes the head (every IFD, now that each tile's offset is known) and publishes the output.</summary>
    private static async Task CommitAsync(ConversionPlan plan, IByteSink output, StageTimings timings, CancellationToken cancellationToken)
    {
        byte[] head;
        try
        {
            head = plan.Layout.Head.Write();
        }
        catch (InvalidOperationException e)
        {
            throw new IOException($"{output.Name}: {e.Message}", e);
        }

        long commitStart = Stopwatch.GetTimestamp();
        await output.CommitAsync(head, cancellationToken).ConfigureAwait(false);
        timings.AddCommit(Stopwatch.GetTimestamp() - commitStart);
    }
}
