using System.Globalization;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Source;

/// <summary>
/// How an associated image is stored so that viewers show it. large_image's tiff source (girder/large_image,
/// sources/tiff: <c>_addAssociatedImage</c>) lists a stripped IFD under the first word of its ImageDescription,
/// lower-cased, if that word is alphanumeric and 4–20 characters long, and hands the pixels to Pillow as an
/// (h, w, bands) array, which fails for one band; so the image is written as 8-bit RGB with a description that
/// starts with its name ("thumbnail (btfconvert associated image: …)"). OpenSlide still ignores it: it is stripped.
/// </summary>
internal static class AssociatedImageNaming
{
    /// <summary>
    /// The name: the source's own (an SVS "label", "macro"), else "thumbnail" for the first one without (the Olympus
    /// 27×25 image), else "associated" + its source IFD number; never one already taken.
    /// </summary>
    public static string NameFor(AssociatedImage image, TiffDirectory directory, IEnumerable<AssociatedImage> kept)
    {
        var taken = kept.Select(k => k.Name).ToHashSet(StringComparer.Ordinal);
        string? own = directory.GetString(TiffTag.ImageDescription)?.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToLowerInvariant();
        if (own is not null && IsListable(own) && own != "btfconvert" && !taken.Contains(own))
        {
            return own;
        }

        // A small extra image of a slide file is its thumbnail by convention (SVS, the Olympus 27×25 one).
        if (!taken.Contains("thumbnail"))
        {
            return "thumbnail";
        }

        return string.Create(CultureInfo.InvariantCulture, $"associated{image.SourceDirectoryIndex}");
    }

    /// <summary>What large_image accepts as an associated image's name.</summary>
    public static bool IsListable(string name) => name.Length is >= 4 and <= 20 && name.All(char.IsAsciiLetterOrDigit);

    /// <summary>The image as written: named, 8-bit RGB (gray replicated into three samples).</summary>
    public static AssociatedImage ForOutput(AssociatedImage image, string name)
    {
        byte[] pixels = image.Pixels;
        if (image.SamplesPerPixel == 1)
        {
            pixels = new byte[image.Pixels.Length * 3];
            for (int i = 0; i < image.Pixels.Length; i++)
            {
                pixels[3 * i] = pixels[(3 * i) + 1] = pixels[(3 * i) + 2] = image.Pixels[i];
            }
        }

        string description = $"{name} ({image.Description}; stored as 8-bit RGB)";
        return image with { SamplesPerPixel = pixels.Length == image.Pixels.Length ? image.SamplesPerPixel : 3, Pixels = pixels, Description = description, Name = name };
    }
}
