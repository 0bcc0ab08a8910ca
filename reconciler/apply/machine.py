"""Which machine and which process: what proves a lock holder dead without waiting.

A pid means something only inside its pid namespace on one running kernel. The
*machine id* is the kernel's boot id (``/proc/sys/kernel/random/boot_id``, new at every
boot) joined with the pid namespace (``/proc/self/ns/pid``): two processes with the same
machine id see the same pids. A pid's *start time* (field 22 of ``/proc/PID/stat``, clock
ticks after boot) tells a process from a later one that was given the same pid. Where
``/proc`` is missing (not Linux) both are unknown, and a lock is only taken over once
its lease expires.
"""

from __future__ import annotations

from pathlib import Path

_PROC = Path("/proc")


def machine_id() -> str:
    """``BOOT_ID/pid:[NAMESPACE]`` of this process, or ``""`` when unknown."""
    try:
        boot = (_PROC / "sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = str((_PROC / "self/ns/pid").readlink())
    except OSError:
        return ""
    return f"{boot}/{namespace}" if boot and namespace else ""


def process_start(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks after boot); ``None`` when there is no
    such process here (or ``/proc`` cannot tell)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rsplit(")", 1)[-1].split()
    try:
        return int(fields[19])  # field 22 overall; fields[0] here is field 3
    except (IndexError, ValueError):
        return None
