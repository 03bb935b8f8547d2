using System.Runtime.InteropServices;

namespace BtfConvert.Core.Encoding.TurboJpeg;

/// <summary>
/// The few TurboJPEG 2.x entry points the tile encoder needs (libjpeg-turbo's stable C API, Debian
/// <c>libturbojpeg0</c>). Written by hand because no maintained .NET binding targets the system library;
/// SkiaSharp measured 6× slower per tile (see docs/benchmarks.md).
/// </summary>
internal static partial class TurboJpegNative
{
    public const string LibraryName = "libturbojpeg.so.0";

    // TJPF: pixel formats.
    public const int PixelFormatRgb = 0;
    public const int PixelFormatGray = 6;

    // TJSAMP: chroma subsampling.
    public const int Subsampling420 = 2;
    public const int SubsamplingGray = 3;

    // TJFLAG: bit flags.
    public const int FlagNoRealloc = 1024;
    public const int FlagAccurateDct = 4096;

    [LibraryImport(LibraryName, EntryPoint = "tjInitCompress")]
    public static partial IntPtr InitCompress();

    [LibraryImport(LibraryName, EntryPoint = "tjDestroy")]
    public static partial int Destroy(IntPtr handle);

    [LibraryImport(LibraryName, EntryPoint = "tjBufSize")]
    public static partial CULong BufSize(int width, int height, int subsampling);

    [LibraryImport(LibraryName, EntryPoint = "tjCompress2")]
    public static unsafe partial int Compress2(IntPtr handle, byte* source, int width, int pitch, int height,
        int pixelFormat, byte** jpegBuffer, CULong* jpegSize, int subsampling, int quality, int flags);

    [LibraryImport(LibraryName, EntryPoint = "tjGetErrorStr2")]
    public static partial IntPtr GetErrorStr2(IntPtr handle);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnsetEnv(string name);
}
