using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BtfConvert.Core.IO;

/// <summary>
/// What a local path is, asked with stat() before anything opens it. open() of a FIFO without a writer blocks in the
/// kernel where no CancellationToken or SIGTERM handler reaches it, and a device or socket is never a slide (/dev/zero
/// reads as an endless stream of zeros, a directory has no bytes at all), so only regular files are read.
/// </summary>
/// <remarks>
/// statx(2) is called in the system's C library directly: its struct has one layout on every architecture, and no
/// native library of our own has to be unpacked from the single-file binary before it can run (that needs a writable
/// HOME, which a system user does not have).
/// </remarks>
internal static partial class LocalFileType
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256, StatxModeOffset = 28;

    // Linux errno values (the same on x86-64 and arm64).
    private const int NoEntry = 2, PermissionDenied = 13, NotADirectory = 20, TooManyLinks = 40;

    // st_mode file types (the same on every Linux architecture).
    private const int TypeMask = 0xF000, Fifo = 0x1000, CharacterDevice = 0x2000, Directory = 0x4000,
        BlockDevice = 0x6000, Regular = 0x8000, Socket = 0xC000;

    /// <summary>Throws unless <paramref name="path"/> is (a link to) a regular file; returns false if nothing is there.</summary>
    /// <exception cref="NotSupportedException">A directory, FIFO, socket, device or symbolic-link loop (exit 3).</exception>
    public static bool RequireRegularFileIfExists(string path)
    {
        Span<byte> status = stackalloc byte[StatxSize];
        if (Statx(AtCurrentDirectory, path, 0, StatxType, ref MemoryMarshal.GetReference(status)) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                NoEntry or NotADirectory => false,
                TooManyLinks => throw new NotSupportedException($"{path}: is a symbolic link loop (too many levels of symbolic links), not a file"),
                PermissionDenied => throw new StorageException($"{path}: permission denied"),
                _ => throw new StorageException($"{path}: cannot be examined ({Marshal.GetPInvokeErrorMessage(errno)})"),
            };
        }

        string? kind = (BinaryPrimitives.ReadUInt16LittleEndian(status[StatxModeOffset..]) & TypeMask) switch
        {
            Regular => null,
            Directory => "a directory",
            Fifo => "a FIFO (named pipe)",
            Socket => "a socket",
            CharacterDevice => "a character device",
            BlockDevice => "a block device",
            _ => "not a regular file",
        };
        return kind is null
            ? true
            : throw new NotSupportedException($"{path}: is {kind}, not a regular file; only regular files are read");
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte status);
}
