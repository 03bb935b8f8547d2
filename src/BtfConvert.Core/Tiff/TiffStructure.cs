using System.Globalization;
using BtfConvert.Core.IO;
using BtfConvert.Core.Record;

namespace BtfConvert.Core.Tiff;

/// <summary>
/// What any TIFF holds, from its directories alone (nothing is decoded): each IFD's geometry, tiling, compression and
/// role, the pixel size its resolution tags give, and a btfconvert output's record. <c>btfconvert info</c> prints it.
/// </summary>
public static class TiffStructure
{
    public static async Task<TiffStructureReport> ReadAsync(IByteSource source, CancellationToken cancellationToken)
    {
        TiffFileInfo file;
        try
        {
            file = await TiffFileReader.ReadAsync(new CachedReader(source), cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{source.Name}: the file is truncated ({e.Message})", e);
        }

        var directories = file.Directories.Select(Describe).ToList();
        // Tiled directories make up the pyramid (largest first); stripped ones next to a pyramid are associated images.
        bool pyramid = directories.Count(d => d.Tiled) > 0;
        int level = 0;
        directories = directories.Select(d => d with
        {
            Role = d.Tiled ? $"level {level++}" : pyramid ? $"associated image {d.Name ?? "(unnamed)"}" : d.Index == 0 ? "image" : "extra image",
        }).ToList();
        var record = file.Directories[0][TiffTag.XmlPacket] is { } xmp ? OutputRecordXmp.Read(xmp.Data) : [];
        var resolution = TiffResolution.Read(file.Directories[0]);
        return new TiffStructureReport(file.Name, file.Length, file.Header.IsBigTiff ? "BigTIFF" : "TIFF",
            file.Header.LittleEndian ? "little-endian" : "big-endian", directories, resolution.MicronsPerPixel,
            record.Count > 0 ? record.ToDictionary(p => p.Key.Replace("btfconvert-", string.Empty, StringComparison.Ordinal), p => p.Value) : null)
        {
            ResolutionDetail = resolution.Detail,
        };
    }

    private static TiffDirectoryReport Describe(TiffDirectory d, int index)
    {
        bool tiled = d[TiffTag.TileOffsets] is not null;
        long tileWidth = (long)(d.GetUInt64(TiffTag.TileWidth) ?? 0), tileHeight = (long)(d.GetUInt64(TiffTag.TileLength) ?? 0);
        long chunks = (long)((tiled ? d[TiffTag.TileOffsets] : d[TiffTag.StripOffsets])?.Count ?? 0);
        string? description = d.GetString(TiffTag.ImageDescription);
        string? name = description?.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToLowerInvariant();
        return new TiffDirectoryReport(index, d.Offset, d.Width, d.Height,
            (int)(d.GetUInt64(TiffTag.SamplesPerPixel) ?? 1), (int)(d.GetUInt64(TiffTag.BitsPerSample) ?? 1),
            CompressionName(d.GetUInt64(TiffTag.Compression) ?? 1), d.GetUInt64(TiffTag.Photometric), d.GetUInt64(TiffTag.NewSubfileType) ?? 0,
            tiled, tiled ? tileWidth : 0, tiled ? tileHeight : 0, chunks, tiled ? 0 : (long)(d.GetUInt64(TiffTag.RowsPerStrip) ?? (ulong)d.Height),
            d.Fields.Count, d.Exif is not null, description,
            name is { Length: >= 4 and <= 20 } && name.All(char.IsAsciiLetterOrDigit) ? name : null, Role: string.Empty);
    }

    private static string CompressionName(ulong code) => code switch
    {
        TiffConstants.CompressionNone => "none",
        TiffConstants.CompressionLzw => "lzw",
        TiffConstants.CompressionOldJpeg => "old-jpeg",
        TiffConstants.CompressionJpeg => "jpeg",
        TiffConstants.CompressionAdobeDeflate or TiffConstants.CompressionDeflate => "deflate",
        TiffConstants.CompressionPackBits => "packbits",
        TiffConstants.CompressionZstd => "zstd",
        _ => code.ToString(CultureInfo.InvariantCulture),
    };
}

/// <param name="Record">A btfconvert output's record (source, source-etag, source-size, options, version, time); null if none.</param>
/// <param name="MicronsPerPixel">What IFD 0's X/YResolution give (<see cref="TiffResolution"/>); null if nothing believable.</param>
public sealed record TiffStructureReport(string File, long FileBytes, string Format, string ByteOrder,
    IReadOnlyList<TiffDirectoryReport> Directories, double? MicronsPerPixel, IReadOnlyDictionary<string, string>? Record)
{
    /// <summary>What IFD 0's resolution tags say, or why they give no pixel size.</summary>
    public string ResolutionDetail { get; init; } = string.Empty;
}

/// <param name="Description">The whole ImageDescription (JSON readers get every character).</param>
/// <param name="Name">The first word of the description when a viewer (large_image) would list the IFD under it.</param>
public sealed record TiffDirectoryReport(int Index, long Offset, long Width, long Height, int SamplesPerPixel, int BitsPerSample,
    string Compression, ulong? Photometric, ulong SubfileType, bool Tiled, long TileWidth, long TileHeight, long Chunks,
    long RowsPerStrip, int Entries, bool HasExif, string? Description, string? Name, string Role);
