using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CaseEngine.Workflow.Hosting;

/// <summary>
/// The few Linux calls the embedded cluster needs to prove what it touches: who owns a file (the BCL
/// has modes but no owners), the effective user, and a signal other than SIGKILL. statx, because its
/// buffer has one layout on every architecture (struct stat does not).
/// </summary>
internal static class Posix
{
    public const int SigQuit = 3;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>Owner, permission and type bits (st_mode), and identity of a file; null when it does not exist.</summary>
    public readonly record struct FileStatus(uint Owner, uint Mode, ulong Device, ulong Inode)
    {
        public bool IsDirectory => (Mode & 0xF000) == 0x4000;
        public bool IsRegularFile => (Mode & 0xF000) == 0x8000;
        public bool IsSymbolicLink => (Mode & 0xF000) == 0xA000;

        /// <summary>The permission bits (rwx for owner, group, others; no type, no setuid/sticky).</summary>
        public int Permissions => (int)(Mode & 0x1FF);

        /// <summary>Group or others may create, rename or delete entries (a directory) or rewrite it (a file).</summary>
        public bool WritableByOthers => (Mode & 0x12) != 0;
    }

    public static uint EffectiveUserId => geteuid();

    /// <summary>lstat-like (<paramref name="followLinks"/> false) or stat-like.</summary>
    public static FileStatus? Stat(string path, bool followLinks = false)
    {
        var buffer = new byte[256];
        if (statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            return null;
        var span = buffer.AsSpan();
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(span[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(span[140..]);
        return new FileStatus(
            Owner: BinaryPrimitives.ReadUInt32LittleEndian(span[20..]),
            Mode: BinaryPrimitives.ReadUInt16LittleEndian(span[28..]),
            Device: device,
            Inode: BinaryPrimitives.ReadUInt64LittleEndian(span[32..]));
    }

    /// <summary>Sends <paramref name="signal"/>; false when the process is gone or not ours to signal.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
