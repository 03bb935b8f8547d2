using Mono.Unix.Native;

namespace BtfConvert.Core.IO;

/// <summary>
/// What a local path is, asked with stat() before anything opens it. open() of a FIFO without a writer blocks in the
/// kernel where no CancellationToken or SIGTERM handler reaches it, and a device or socket is never a slide (/dev/zero
/// reads as an endless stream of zeros, a directory has no bytes at all), so only regular files are read.
/// </summary>
internal static class LocalFileType
{
    /// <summary>Throws unless <paramref name="path"/> is (a link to) a regular file; returns false if nothing is there.</summary>
    /// <exception cref="NotSupportedException">A directory, FIFO, socket, device or symbolic-link loop (exit 3).</exception>
    public static bool RequireRegularFileIfExists(string path)
    {
        if (Syscall.stat(path, out var status) != 0)
        {
            var errno = Stdlib.GetLastError();
            return errno switch
            {
                Errno.ENOENT or Errno.ENOTDIR => false,
                Errno.ELOOP => throw new NotSupportedException($"{path}: is a symbolic link loop (too many levels of symbolic links), not a file"),
                Errno.EACCES => throw new StorageException($"{path}: permission denied"),
                _ => throw new StorageException($"{path}: cannot be examined ({Stdlib.strerror(errno)})"),
            };
        }

        string? kind = (status.st_mode & FilePermissions.S_IFMT) switch
        {
            FilePermissions.S_IFREG => null,
            FilePermissions.S_IFDIR => "a directory",
            FilePermissions.S_IFIFO => "a FIFO (named pipe)",
            FilePermissions.S_IFSOCK => "a socket",
            FilePermissions.S_IFCHR => "a character device",
            FilePermissions.S_IFBLK => "a block device",
            _ => "not a regular file",
        };
        return kind is null
            ? true
            : throw new NotSupportedException($"{path}: is {kind}, not a regular file; only regular files are read");
    }
}
