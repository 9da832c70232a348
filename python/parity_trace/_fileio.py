"""Writing files that cannot destroy, and locking an output, as libparity
does (src/core/fileio.c, src/core/lock.c; docs/reliability.md).

write_atomic: the bytes go to a new hidden temporary file beside the
target, created exclusively (O_EXCL | O_NOFOLLOW: a link planted there is
never followed, nothing of the user's is consumed) under an unpredictable
name, with the mode the umask gives a new file (a replaced file keeps its
own); fsynced, renamed over the target, the directory fsynced. The target
must be absent or a regular file: a symbolic link, a directory or a device
is refused before anything is written.

lock: an exclusive flock(2) on a file or a directory, taken without
waiting, for as long as the descriptor stays open; the C tracer takes the
same lock, so two writers of one trace fail instead of mixing their work.
"""

import errno
import fcntl
import os
import secrets
import stat


class TraceLockedError(RuntimeError):
    """Another process holds the lock of the trace this tracer would write."""


def _kind(mode):
    for test, what in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "a special file"


def check_target(path):
    """The permission bits of the regular file at path, None when there is
    none; ValueError for what must never be replaced."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise ValueError("%s: a symbolic link: refusing to replace it (write to the "
                         "file it names instead)" % path)
    if not stat.S_ISREG(st.st_mode):
        raise ValueError("%s: not a regular file (%s): refusing to write over it"
                         % (path, _kind(st.st_mode)))
    return stat.S_IMODE(st.st_mode) & 0o777


def _fsync_dir(path):
    """Make a rename durable; some file systems refuse, which is fine."""
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _create_temp(path):
    """(descriptor, name) of a new hidden temporary file beside path."""
    head, tail = os.path.split(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for _ in range(16):
        tmp = os.path.join(head, ".%s.%s.tmp" % (tail, secrets.token_hex(3)))
        try:
            return os.open(tmp, flags, 0o666), tmp   # 0o666: the umask decides
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name beside it", path)


def write_atomic(path, chunks):
    """Write the byte chunks (bytes or arrays) to path atomically (see
    above); a reader or a crash never sees a partly written file."""
    path = os.fspath(path)
    mode = check_target(path)
    fd, tmp = _create_temp(path)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb", closefd=True) as f:
            fd = -1
            for c in chunks:
                f.write(c)
            f.flush()
            os.fsync(f.fileno())
        check_target(path)          # again: nothing put there meanwhile
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path)


def lock(path, is_dir):
    """A descriptor of path (a directory, or a regular file opened
    read-write and created when absent, never through a link) holding an
    exclusive lock; TraceLockedError when another process holds it."""
    flags = getattr(os, "O_CLOEXEC", 0)
    flags |= (os.O_RDONLY | os.O_DIRECTORY) if is_dir else (os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW)
    for _ in range(8):
        try:
            fd = os.open(path, flags, 0o666)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise ValueError("parity_trace: %s: a symbolic link: refusing to write a "
                                 "trace through it" % path) from None
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise TraceLockedError("parity_trace: %s: another process is writing a trace "
                                   "there (it holds the lock); two tracers would mix their "
                                   "stages" % path) from None
        except BaseException:
            os.close(fd)
            raise
        if is_dir:
            return fd
        a, b = os.fstat(fd), os.lstat(path)
        if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
            return fd
        os.close(fd)    # replaced between open and lock: lock what is there now
    raise OSError("parity_trace: %s: cannot lock: it keeps being replaced" % path)
