using System.Diagnostics;
using BtfConvert.Core.Encoding;
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
    /// <summary>Outputs whose worst-case size stays below this are written as classic TIFF in auto mode.</summary>
    public const long ClassicTiffLimit = (4L << 30) - (64L << 20);

    public static Task<ConversionResult> ConvertAsync(
        SourceInfo source, IByteSource input, IByteSink output, ConversionOptions options,
        IProgress<ConversionProgress>? progress, CancellationToken cancellationToken) =>
        ConvertAsync(source, input, output, options, record: null, progress, cancellationToken);

    /// <param name="record">What the output records about itself (<see cref="OutputRecord"/>), embedded in its head.</param>
    public static async Task<ConversionResult> ConvertAsync(
        SourceInfo source, IByteSource input, IByteSink output, ConversionOptions options,
        IReadOnlyDictionary<string, string>? record, IProgress<ConversionProgress>? progress, CancellationToken cancellationToken)
    {
        options.Validate();
        var stopwatch = Stopwatch.StartNew();
        var image = source.Main;
        var orientation = options.IgnoreOrientation ? ImageOrientation.Upright : ImageOrientation.Of(image.Directory);
        orientation.CheckConvertible(input.Name, image, options.IgnoreOrientation, readsBottomUp: image.IsPlainStrips);
        var plan = PyramidPlan.Create(image.Width, image.Height, options.TileSize, options.TileSize);
        CheckLevelChainMemory(input.Name, plan, image.SamplesPerPixel);
        var format = new TileFormat(options.TileSize, options.TileSize, image.SamplesPerPixel);
        var encoder = TileEncoderFactories.Create(options.Compression, format, options.Quality, options.JpegEncoder);
        var (mpp, mppSource) = ResolvePixelSize(source, options);
        string description = OutputLayout.Describe(source, plan, encoder, mpp, mppSource);
        var (layout, worstCase) = PlanLayout(source, plan, encoder, options.BigTiff, mpp, description, record);
        bool bigTiff = layout.BigTiff;
        var timings = new StageTimings();

        try
        {
            await output.OpenAsync(layout.Head.Length, worstCase, cancellationToken).ConfigureAwait(false);
            var pipeline = new TileEncodingPipeline(encoder, options.EffectiveThreads, output, layout,
                options.DeduplicateTiles, cancellationToken, timings);
            var pyramid = new PyramidBuilder(plan, image.SamplesPerPixel, pipeline, timings);
            try
            {
                await RunProducerAsync(input, image, orientation, pyramid, pipeline, output, options, progress, timings).ConfigureAwait(false);
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

            if (!pyramid.IsComplete)
            {
                throw new InvalidOperationException($"{input.Name}: internal error: the pyramid did not receive every row");
            }

            byte[] head;
            try
            {
                head = layout.Head.Write();
            }
            catch (InvalidOperationException e)
            {
                throw new IOException($"{output.Name}: {e.Message}", e);
            }

            long commitStart = Stopwatch.GetTimestamp();
            await output.CommitAsync(head, cancellationToken).ConfigureAwait(false);
            timings.AddCommit(Stopwatch.GetTimestamp() - commitStart);
            progress?.Report(new ConversionProgress(image.Height, image.Height, input.Length, output.Position));
            return new ConversionResult(input.Name, output.Name, input.Length, output.Position, plan,
                pipeline.TilesWritten, pipeline.DuplicateTiles, bigTiff, encoder.Name, mpp, stopwatch.Elapsed,
                source.Warnings)
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

    private static Task RunProducerAsync(IByteSource input, SourceImage image, ImageOrientation orientation, PyramidBuilder pyramid,
        TileEncodingPipeline pipeline, IByteSink output, ConversionOptions options, IProgress<ConversionProgress>? progress,
        StageTimings timings)
    {
        // The producer blocks when the encoders are saturated; a dedicated thread keeps that off the thread pool.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                int readSize = options.ReadSize > 0 ? options.ReadSize : input.PreferredReadSize;
                var onRow = orientation.Uprighting(image.RowBytes, image.SamplesPerPixel, row => pyramid.Top.PushRow(row));
                Action<long, long> onProgress = (rows, bytes) => progress?.Report(new ConversionProgress(rows, image.Height, bytes, output.Position));
                // Plain uncompressed strips stored upright are read straight into the level-0 band (the fast path);
                // flipped ones are pushed through the flip; anything else is decoded and its rows pushed.
                if (image.IsPlainStrips)
                {
                    IRowTarget target = orientation.IsUpright ? pyramid.Top : new StripReader.PushOnly(onRow, pyramid.Top.BandRows);
                    StripReader.ReadRows(input, image, readSize, input.PreferredConcurrency, target, onProgress,
                        pipeline.Token, timings, orientation.BottomUp);
                }
                else
                {
                    DecodingRowReader.ReadRows(input, image, readSize, input.PreferredConcurrency, onRow, onProgress, pipeline.Token, timings);
                }

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

    /// <summary>
    /// Most memory the level chain's row bands may take. Memory grows with the width (two tile-height bands per
    /// level: one filling, one whose tiles are being encoded in place), never the height; a real 45,048-pixel-wide
    /// slide needs ~140 MB. A damaged or hostile header with a huge width (and a file just big enough to hold one
    /// such row) must be refused here, before any output exists, not fail with an out-of-memory or overflow deep
    /// inside the pyramid.
    /// </summary>
    public const long MaxLevelChainBytes = 512L << 20;

    internal static void CheckLevelChainMemory(string name, PyramidPlan plan, int samplesPerPixel)
    {
        long bytes = PyramidLevel.BandCount * plan.Levels.Sum(l => (long)l.Width * samplesPerPixel * plan.TileHeight);
        if (bytes > MaxLevelChainBytes)
        {
            // The levels' widths add up to about twice level 0's.
            long maxWidth = MaxLevelChainBytes / (2L * PyramidLevel.BandCount * samplesPerPixel * plan.TileHeight);
            throw new NotSupportedException(
                $"{name}: the image is {plan.Levels[0].Width} pixels wide; its pyramid would need {bytes >> 20} MiB of row buffers (at most {MaxLevelChainBytes >> 20} MiB: up to about {maxWidth} pixels wide with {plan.TileHeight}-pixel tiles)");
        }
    }

    /// <summary>Pixel size in µm: --mpp first, then the Olympus SIS calibration; null when unknown.</summary>
    public static (double? Mpp, string Source) ResolvePixelSize(SourceInfo source, ConversionOptions options)
    {
        if (options.MicronsPerPixel is { } mpp)
        {
            return (mpp, "option");
        }

        if (source.Sis is { } sis)
        {
            return (sis.MicronsPerPixelX, "olympus-sis");
        }

        return (null, "none");
    }

    /// <summary>
    /// Lays out the output's head and bounds its size. In auto mode the output is classic TIFF only when even the
    /// worst case fits: every tile at its encoder's guaranteed maximum (libjpeg-turbo's tjBufSize is 2 bytes per
    /// pixel for grayscale, more than the raw tile) plus the classic head, associated images included. A wrong
    /// guess here would only surface after the whole conversion, as an output classic TIFF cannot address.
    /// </summary>
    internal static (OutputLayout Layout, long WorstCaseBytes) PlanLayout(
        SourceInfo source, PyramidPlan plan, ITileEncoderFactory encoder, BigTiffMode mode, double? mpp, string description,
        IReadOnlyDictionary<string, string>? record = null)
    {
        var classic = OutputLayout.Create(source, plan, encoder, bigTiff: false, mpp, description, record);
        long worstCase = EstimateWorstCaseBytes(plan, encoder, classic.Head.Length);
        bool bigTiff = mode switch
        {
            BigTiffMode.Yes => true,
            BigTiffMode.No => false,
            _ => worstCase >= ClassicTiffLimit,
        };
        return bigTiff
            ? (OutputLayout.Create(source, plan, encoder, bigTiff: true, mpp, description, record), worstCase)
            : (classic, worstCase);
    }

    /// <summary>Whether the output will be BigTIFF (what <c>info</c> reports): the choice <see cref="PlanLayout"/> makes.</summary>
    public static bool UsesBigTiff(SourceInfo source, PyramidPlan plan, ITileEncoderFactory encoder, BigTiffMode mode, double? mpp) =>
        PlanLayout(source, plan, encoder, mode, mpp, description: string.Empty).Layout.BigTiff;

    /// <summary>An upper bound of the output size (BigTIFF choice, S3 part sizes): every tile at its worst case, plus the head.</summary>
    internal static long EstimateWorstCaseBytes(PyramidPlan plan, ITileEncoderFactory encoder, long headLength)
    {
        using var probe = encoder.Create();
        return headLength + (plan.TotalTiles * (long)probe.MaxEncodedLength);
    }
}
