"""Confining the processes that evaluate users' queries: no network, and a memory limit.

The query text is checked before it runs (no ``SERVICE``, no ``LOAD``, no dataset outside the
store), but the engine is large and a check can miss a way out. So each query worker also confines
itself before it reads its first query, and a bypass of the check is harmless:

- a seccomp filter (libseccomp through ``pyseccomp``) makes ``socket()`` and ``socketpair()`` fail
  with EACCES for every address family but ``AF_UNIX``: no internet, netlink or packet sockets, so no
  request to anywhere. ``io_uring_setup`` fails too, because io_uring can open sockets without the
  ``socket()`` call. The filter sets ``no_new_privs`` and is inherited by every thread and child.
  Unix sockets stay: the worker's pipe to the server is one (created before the filter, but the
  runtime may make more), and they reach no other machine.
- ``RLIMIT_AS`` caps the worker's address space, so a query that builds a huge string or sorts a
  huge cross product fails in its own worker (an allocation failure) instead of growing it without
  end. It is a limit on virtual memory: the store's read-only open alone reserves a few hundred MB.

Both work unprivileged and as root in a container; seccomp needs Linux and libseccomp2 (present on
every Debian: apt depends on it).
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import socket
from pathlib import Path

from smartregion.errors import SmartregionError

try:  # ctypes over libseccomp: importing it fails where the library is missing
    import pyseccomp as _seccomp

    _SECCOMP_PROBLEM: str | None = None
except (ImportError, OSError, RuntimeError) as exc:  # pragma: no cover - depends on the machine
    _seccomp = None
    _SECCOMP_PROBLEM = f"pyseccomp cannot be loaded ({exc}); install libseccomp2 (apt-get install libseccomp2)"


class SandboxUnavailable(SmartregionError, RuntimeError):
    """The network filter cannot be installed in query workers; the message says why and what to do."""

    status, title = 503, "sandbox unavailable"


def deny_network() -> None:
    """Make every later attempt of this process (all its threads and children) to open a non-Unix socket fail.

    Raises SandboxUnavailable if the filter cannot be installed.
    """
    if _seccomp is None:
        raise SandboxUnavailable(_SECCOMP_PROBLEM)
    refuse = _seccomp.ERRNO(errno.EACCES)
    try:
        rules = _seccomp.SyscallFilter(_seccomp.ALLOW)
        rules.set_attr(_seccomp.Attr.CTL_NNP, 1)  # libseccomp's default, stated: the filter needs no privilege
        rules.set_attr(_seccomp.Attr.CTL_TSYNC, 1)  # every thread, should the runtime have started any
        # The whole 64-bit argument is compared: anything but exactly AF_UNIX is refused.
        for call in ("socket", "socketpair"):
            rules.add_rule(refuse, call, _seccomp.Arg(0, _seccomp.NE, socket.AF_UNIX))
        rules.add_rule(_seccomp.ERRNO(errno.ENOSYS), "io_uring_setup")  # as if the kernel had none
        rules.load()
    except OSError as exc:
        raise SandboxUnavailable(f"the seccomp filter could not be installed: {exc}") from None


_M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_memory(limit: int, ceiling: int | None = None) -> None:
    """Cap this process's address space at ``limit`` bytes, and at ``ceiling`` (default ``limit``) for good.

    The soft limit may be moved up to the hard one only by the process itself (``allow_memory``): a query
    never can, and a worker taken over through an engine bug stays under the ceiling.

    glibc reserves 64 MB of address space per malloc arena, one arena per thread that allocates (the
    store's threads do): two arenas keep the limit close to the memory a query really uses (measured
    with a 1M-triple store: a worker peaks at 580 MB of address space with the default arenas, 380 MB
    with two, for 240 MB resident).
    """
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 2)
    except AttributeError:  # not glibc: nothing reserved that way
        pass
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit if ceiling is None else max(limit, ceiling)))


def allow_memory(limit: int | None) -> None:
    """Move this process's address-space limit to ``limit`` bytes, at most its ceiling (None: the ceiling)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard if limit is None else min(limit, hard), hard))


def memory_use() -> tuple[int, int]:
    """The bytes of address space this process uses now, and of them the bytes resident."""
    size, resident = Path("/proc/self/statm").read_text().split()[:2]
    return int(size) * os.sysconf("SC_PAGE_SIZE"), int(resident) * os.sysconf("SC_PAGE_SIZE")


# Added to a process's or thread's niceness where it should yield the CPU: a worker whose query entered
# the slow lane, a worker's thread copying the store into memory.
NICENESS = 10


def lower_priority(pid: int) -> None:
    """Lower the CPU priority of a process, or on Linux of one thread by its native id, by ``NICENESS``."""
    try:
        os.setpriority(os.PRIO_PROCESS, pid, min(19, os.getpriority(os.PRIO_PROCESS, pid) + NICENESS))
    except OSError:
        pass  # gone already, or the system forbids it: it runs at normal priority


def memory_limit() -> int | None:
    """This process's address-space limit in bytes, None if unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft


def size_text(size: int) -> str:
    """A byte count as people read it: ``1 GiB``, ``50 MiB``, ``1.5 GiB``, ``900 bytes``."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"
