using BtfConvert.Core.Encoding;
using BtfConvert.Core.Encoding.TurboJpeg;

namespace BtfConvert.Core.Tests.Encoding;

public sealed class JpegTablesSplitterTests
{
    private static readonly TileFormat Rgb = new(256, 256, 3);

    public static TheoryData<string> Encoders => ["managed", "native"];

    private static ITileEncoderFactory Factory(string encoder, bool share)
    {
        Skip.If(encoder == "native" && !TurboJpegLibrary.IsAvailable, "libturbojpeg.so.0 is not installed");
        return encoder == "native"
            ? new TurboJpegTileEncoder.Factory(Rgb, 90, share)
            : new ImageSharpJpegTileEncoder.Factory(Rgb, 90, share);
    }

    private static byte[] Pixels(int seed)
    {
        var pixels = new byte[Rgb.ByteCount];
        var random = new Random(seed);
        for (int i = 0; i < pixels.Length; i += 3)
        {
            byte v = (byte)(120 + random.Next(60) + (i / 3 % 256 / 4));
            (pixels[i], pixels[i + 1], pixels[i + 2]) = (v, (byte)(v / 2), (byte)(255 - v));
        }

        return pixels;
    }

    private static int Count(ReadOnlySpan<byte> jpeg, byte marker)
    {
        int n = 0;
        for (int i = 0; i + 1 < jpeg.Length && !(jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA); i++)
        {
            n += jpeg[i] == 0xFF && jpeg[i + 1] == marker ? 1 : 0;
        }

        return n;
    }

    [SkippableTheory]
    [MemberData(nameof(Encoders))]
    public void Shared_tables_hold_the_quantization_and_huffman_tables_and_tiles_lose_them(string encoder)
    {
        var full = Factory(encoder, share: false);
        var shared = Factory(encoder, share: true);
        Assert.Null(full.JpegTables);
        byte[] tables = shared.JpegTables!;
        Assert.Equal([0xFF, 0xD8], tables[..2]);
        Assert.Equal([0xFF, 0xD9], tables[^2..]);
        Assert.True(Count(tables, 0xDB) >= 1 && Count(tables, 0xC4) >= 1);

        using var fullEncoder = full.Create();
        using var sharedEncoder = shared.Create();
        byte[] a = new byte[fullEncoder.MaxEncodedLength];
        byte[] b = new byte[sharedEncoder.MaxEncodedLength];
        byte[] pixels = Pixels(5);
        int fullLength = fullEncoder.Encode(pixels, a);
        int sharedLength = sharedEncoder.Encode(pixels, b);
        Assert.True(Count(a.AsSpan(0, fullLength), 0xDB) >= 1);
        Assert.Equal(0, Count(b.AsSpan(0, sharedLength), 0xDB));
        Assert.Equal(0, Count(b.AsSpan(0, sharedLength), 0xC4));
        Assert.Equal(0, Count(b.AsSpan(0, sharedLength), 0xE0));
        Assert.True(fullLength - sharedLength >= tables.Length - 4, $"{fullLength} → {sharedLength}");
        // The scan (from SOS to EOI) is untouched.
        int sos = a.AsSpan(0, fullLength).IndexOf([(byte)0xFF, (byte)0xDA]);
        Assert.True(a.AsSpan(sos, fullLength - sos).SequenceEqual(b.AsSpan(sharedLength - (fullLength - sos), fullLength - sos)));
    }

    [Fact]
    public void Segments_not_in_the_tables_are_kept()
    {
        byte[] tables = [0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x03, 0x01, 0xFF, 0xD9];
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x03, 0x02, 0xFF, 0xC4, 0x00, 0x02, 0xFF, 0xDA, 0x00, 0x02, 0x11, 0xFF, 0xD9];
        int length = JpegTablesSplitter.Abbreviate(jpeg, jpeg.Length, tables);
        Assert.Equal(jpeg.Length, length); // different DQT content, and a DHT the tables lack: nothing dropped

        byte[] same = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xDB, 0x00, 0x03, 0x01, 0xFF, 0xDA, 0x00, 0x02, 0x11, 0xFF, 0xD9];
        length = JpegTablesSplitter.Abbreviate(same, same.Length, tables);
        Assert.Equal([0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x11, 0xFF, 0xD9], same[..length]);
    }

    [Fact]
    public void Garbage_is_rejected()
    {
        Assert.Throws<InvalidDataException>(() => JpegTablesSplitter.ExtractTables([1, 2, 3, 4, 5]));
        Assert.Throws<InvalidDataException>(() => JpegTablesSplitter.ExtractTables([0xFF, 0xD8, 0xFF, 0xDB, 0x40, 0x00]));
    }
}
