"""Memory and CPU of a process tree, sampled from ``/proc`` while a command runs."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

SAMPLE_SECONDS = 0.1
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def tree_pids(root: int) -> list[int]:
    """root and its descendants (via /proc/<pid>/task/<tid>/children); gone ones are skipped."""
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
            except OSError:
                continue
    return pids


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, with_children: bool = False) -> float:
    """User + system CPU seconds of one process (and of its waited-for children), 0 if gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # fields[0] is the state (field 3 of stat): utime, stime, cutime, cstime are fields 14-17
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


class TreeMemorySampler:
    """Samples a process tree in a thread: ``samples`` is [(unix time, RSS bytes)] and
    ``cpu_samples`` [(unix time, CPU seconds so far)], both summed over the tree."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self.cpu_samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = tree_pids(self.pid)
            now = time.time()
            total = sum(rss_bytes(p) for p in pids)
            if total:
                self.samples.append((now, total))
                cpu = cpu_seconds(pids[0], with_children=True) + sum(
                    cpu_seconds(p) for p in pids[1:]
                )
                self.cpu_samples.append((now, cpu))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> int:
        return max((b for _, b in self.samples), default=0)


def peak_between(samples: Sequence[tuple[float, int]], start: float, end: float) -> int | None:
    """The highest sample in [start, end], else the last one before start (a node shorter than
    the sampling interval), else None."""
    inside = [b for t, b in samples if start <= t <= end]
    if inside:
        return max(inside)
    before = [b for t, b in samples if t < start]
    return before[-1] if before else None


def cpu_between(samples: Sequence[tuple[float, float]], start: float, end: float) -> float | None:
    """CPU seconds the tree used in [start, end], interpolating the cumulative samples."""
    if len(samples) < 2 or end < samples[0][0] or start > samples[-1][0]:
        return None
    times = [t for t, _ in samples]
    values = [c for _, c in samples]

    def at(moment: float) -> float:
        return float(np.interp(moment, times, values))

    return max(at(end) - at(start), 0.0)


@dataclasses.dataclass
class Measured:
    """One monitored process: exit code, wall seconds, sampled tree peak, kernel max RSS, CPU
    seconds (kernel's count for the process and its waited-for children) and the samples."""

    returncode: int
    wall_seconds: float
    peak_rss_bytes: int
    max_rss_bytes: int  # ru_maxrss of the process (the largest of it and its waited children)
    samples: list[tuple[float, int]]
    started_at: float
    log_path: Path
    cpu_seconds: float | None = None
    cpu_samples: list[tuple[float, float]] = dataclasses.field(default_factory=list)


def run_monitored(
    command: Sequence[str],
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Measured:
    """Run command (output to log_path), sampling its process tree's memory; never raises on a
    failing command (the caller reads returncode and the log)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        started_at = time.time()
        started = time.monotonic()
        process = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, env=dict(env or os.environ),
            cwd=cwd,
        )  # fmt: skip
        with TreeMemorySampler(process.pid) as sampler:
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        returncode=process.returncode,
        wall_seconds=wall,
        peak_rss_bytes=sampler.peak,
        max_rss_bytes=usage.ru_maxrss * 1024,
        samples=sampler.samples,
        started_at=started_at,
        log_path=log_path,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        cpu_samples=sampler.cpu_samples,
    )
