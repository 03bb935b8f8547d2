using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BtfConvert.Core.Pyramid;

/// <summary>
/// Exact 2×2 box average, rounded half up: (a+b+c+d+2)/4, as libvips computes it. The vector path splits each row
/// into the bytes of even and odd pixels with constant byte shuffles (pshufb/tbl), adds the four in 16-bit lanes
/// and narrows — bit-exact with the scalar formula, which handles what is left of a row.
/// </summary>
internal static class BoxDownsampler
{
    // Fully optimized from the first call: tier-0 code (no inlined vector intrinsics) would shrink the first
    // bands several times slower, which short conversions notice.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DownsampleRows(ReadOnlySpan<byte> row0, ReadOnlySpan<byte> row1, Span<byte> dest, int srcWidth, int samplesPerPixel)
    {
        int done = Vector128.IsHardwareAccelerated ? DownsampleRowsVector128(row0, row1, dest, srcWidth, samplesPerPixel) : 0;
        DownsampleRowsScalar(row0, row1, dest, srcWidth, samplesPerPixel, done);
    }

    /// <summary>The reference: plain arithmetic from output pixel <paramref name="firstOutput"/> on.</summary>
    public static void DownsampleRowsScalar(ReadOnlySpan<byte> row0, ReadOnlySpan<byte> row1, Span<byte> dest, int srcWidth,
        int samplesPerPixel, int firstOutput = 0)
    {
        int outWidth = srcWidth / 2;
        int spp = samplesPerPixel;
        CheckLengths(row0, row1, dest, outWidth, spp);
        for (int x = firstOutput; x < outWidth; x++)
        {
            int s = 2 * x * spp;
            for (int c = 0; c < spp; c++)
            {
                dest[(x * spp) + c] = (byte)((row0[s + c] + row0[s + spp + c] + row1[s + c] + row1[s + spp + c] + 2) >> 2);
            }
        }
    }

    /// <summary>
    /// The vectorized part for 1 or 3 samples per pixel: returns how many output pixels it wrote (a multiple of 8 or
    /// 16); the caller finishes the row with <see cref="DownsampleRowsScalar"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DownsampleRowsVector128(ReadOnlySpan<byte> row0, ReadOnlySpan<byte> row1, Span<byte> dest, int srcWidth, int samplesPerPixel)
    {
        int outWidth = srcWidth / 2;
        CheckLengths(row0, row1, dest, outWidth, samplesPerPixel);
        return samplesPerPixel switch
        {
            3 => Rgb(ref MemoryMarshal.GetReference(row0), ref MemoryMarshal.GetReference(row1), ref MemoryMarshal.GetReference(dest), outWidth),
            1 => Gray(ref MemoryMarshal.GetReference(row0), ref MemoryMarshal.GetReference(row1), ref MemoryMarshal.GetReference(dest), outWidth),
            _ => 0,
        };
    }

    private static void CheckLengths(ReadOnlySpan<byte> row0, ReadOnlySpan<byte> row1, Span<byte> dest, int outWidth, int spp)
    {
        int needIn = outWidth * 2 * spp;
        if (row0.Length < needIn || row1.Length < needIn || dest.Length < outWidth * spp)
        {
            throw new ArgumentException($"rows need {needIn} bytes and the destination {outWidth * spp}");
        }
    }

    // 16 source pixels (48 bytes) per row → 8 output pixels (24 bytes) per step.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Rgb(ref byte r0, ref byte r1, ref byte d, int outWidth)
    {
        int steps = outWidth / 8;
        for (int i = 0; i < steps; i++)
        {
            nuint s = (nuint)(i * 48);
            var (e0Lo, e0Hi, o0Lo, o0Hi) = SplitRgb(Vector128.LoadUnsafe(ref r0, s), Vector128.LoadUnsafe(ref r0, s + 16), Vector128.LoadUnsafe(ref r0, s + 32));
            var (e1Lo, e1Hi, o1Lo, o1Hi) = SplitRgb(Vector128.LoadUnsafe(ref r1, s), Vector128.LoadUnsafe(ref r1, s + 16), Vector128.LoadUnsafe(ref r1, s + 32));
            Average(e0Lo, o0Lo, e1Lo, o1Lo).StoreUnsafe(ref d, (nuint)(i * 24));
            var hi = Average(e0Hi, o0Hi, e1Hi, o1Hi);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, (i * 24) + 16), hi.AsUInt64().ToScalar());
        }

        return steps * 8;
    }

    // 32 source pixels per row → 16 output pixels per step.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Gray(ref byte r0, ref byte r1, ref byte d, int outWidth)
    {
        int steps = outWidth / 16;
        for (int i = 0; i < steps; i++)
        {
            nuint s = (nuint)(i * 32);
            var (e0, o0) = SplitGray(Vector128.LoadUnsafe(ref r0, s), Vector128.LoadUnsafe(ref r0, s + 16));
            var (e1, o1) = SplitGray(Vector128.LoadUnsafe(ref r1, s), Vector128.LoadUnsafe(ref r1, s + 16));
            Average(e0, o0, e1, o1).StoreUnsafe(ref d, (nuint)(i * 16));
        }

        return steps * 16;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Average(Vector128<byte> a, Vector128<byte> b, Vector128<byte> c, Vector128<byte> e)
    {
        var (aLo, aHi) = Vector128.Widen(a);
        var (bLo, bHi) = Vector128.Widen(b);
        var (cLo, cHi) = Vector128.Widen(c);
        var (eLo, eHi) = Vector128.Widen(e);
        var two = Vector128.Create((ushort)2);
        var lo = Vector128.ShiftRightLogical(aLo + bLo + cLo + eLo + two, 2);
        var hi = Vector128.ShiftRightLogical(aHi + bHi + cHi + eHi + two, 2);
        return Vector128.Narrow(lo, hi);
    }

    // Index 255 selects zero (out of range), so OR-ing shuffles of neighbouring vectors gathers across them.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<byte> EvenLo, Vector128<byte> EvenHi, Vector128<byte> OddLo, Vector128<byte> OddHi) SplitRgb(
        Vector128<byte> a0, Vector128<byte> a1, Vector128<byte> a2)
    {
        const byte Z = 255;
        var evenLo = Vector128.Shuffle(a0, Vector128.Create((byte)0, 1, 2, 6, 7, 8, 12, 13, 14, Z, Z, Z, Z, Z, Z, Z))
            | Vector128.Shuffle(a1, Vector128.Create(Z, Z, Z, Z, Z, Z, Z, Z, Z, 2, 3, 4, 8, 9, 10, 14));
        var evenHi = Vector128.Shuffle(a1, Vector128.Create(15, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z))
            | Vector128.Shuffle(a2, Vector128.Create(Z, 0, 4, 5, 6, 10, 11, 12, Z, Z, Z, Z, Z, Z, Z, Z));
        var oddLo = Vector128.Shuffle(a0, Vector128.Create((byte)3, 4, 5, 9, 10, 11, 15, Z, Z, Z, Z, Z, Z, Z, Z, Z))
            | Vector128.Shuffle(a1, Vector128.Create(Z, Z, Z, Z, Z, Z, Z, 0, 1, 5, 6, 7, 11, 12, 13, Z))
            | Vector128.Shuffle(a2, Vector128.Create(Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, 1));
        var oddHi = Vector128.Shuffle(a2, Vector128.Create((byte)2, 3, 7, 8, 9, 13, 14, 15, Z, Z, Z, Z, Z, Z, Z, Z));
        return (evenLo, evenHi, oddLo, oddHi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<byte> Even, Vector128<byte> Odd) SplitGray(Vector128<byte> a0, Vector128<byte> a1)
    {
        const byte Z = 255;
        var even = Vector128.Shuffle(a0, Vector128.Create((byte)0, 2, 4, 6, 8, 10, 12, 14, Z, Z, Z, Z, Z, Z, Z, Z))
            | Vector128.Shuffle(a1, Vector128.Create(Z, Z, Z, Z, Z, Z, Z, Z, 0, 2, 4, 6, 8, 10, 12, 14));
        var odd = Vector128.Shuffle(a0, Vector128.Create((byte)1, 3, 5, 7, 9, 11, 13, 15, Z, Z, Z, Z, Z, Z, Z, Z))
            | Vector128.Shuffle(a1, Vector128.Create(Z, Z, Z, Z, Z, Z, Z, Z, 1, 3, 5, 7, 9, 11, 13, 15));
        return (even, odd);
    }
}
