using BitMiracle.LibTiff.Classic;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;

namespace BtfConvert.Core.Tiff.LibTiffNet;

/// <summary>
/// LibTiff.NET reports problems through one process-wide handler that prints to the console by default. This one
/// collects them per thread instead (every LibTiff call is synchronous, so the calling thread owns its messages),
/// so a damaged tile becomes a verification failure, never console noise.
/// </summary>
internal sealed class LibTiffMessages : TiffErrorHandler
{
    [ThreadStatic]
    private static List<string>? t_messages;

    private static readonly Lazy<bool> Installed = new(() =>
    {
        LibTiff.SetErrorHandler(new LibTiffMessages());
        return true;
    });

    public static void EnsureInstalled() => _ = Installed.Value;

    /// <summary>Forgets earlier messages of this thread.</summary>
    public static void Clear() => t_messages?.Clear();

    /// <summary>Errors and warnings since the last <see cref="Clear"/> on this thread.</summary>
    public static IReadOnlyList<string> Current => t_messages ?? (IReadOnlyList<string>)[];

    public override void ErrorHandler(LibTiff tif, string method, string format, params object[] args) => Add(method, format, args);

    public override void ErrorHandlerExt(LibTiff tif, object clientData, string method, string format, params object[] args)
    {
    }

    public override void WarningHandler(LibTiff tif, string method, string format, params object[] args) => Add(method, format, args);

    public override void WarningHandlerExt(LibTiff tif, object clientData, string method, string format, params object[] args)
    {
    }

    private static void Add(string method, string format, object[] args)
    {
        string text;
        try
        {
            text = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args);
        }
        catch (FormatException)
        {
            text = format;
        }

        (t_messages ??= []).Add($"{method}: {text}");
    }
}
