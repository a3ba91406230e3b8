"""The benchmark's report: the figures the targets are about (``headline``) and the Markdown
section of a size in docs/benchmarks.md (``render_section``, one function per part of it)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .artifacts import OK_STATUSES, layer_seconds

# The targets on this 2-core, 24 GB machine (docs/benchmarks.md): the full build with every
# test as a multiple of the hand-written query over the same files (dbt's fixed cost per node
# weighs more on a small data set), peak RSS, the one-day build, fit + score and the ARI at 1M;
# at 3M, the full build in at most TARGET_3M_SCALING x the 1M time (linear) under 12 GiB.
TARGET_FLOOR_RATIO = {100_000: 8.0, 1_000_000: 4.0}
TARGET_PEAK_BYTES = {1_000_000: 8 * 1024**3, 3_000_000: 12 * 1024**3}
TARGET_DAILY_SECONDS = 30
TARGET_SEGMENTATION_SECONDS = 30
TARGET_ARI = 0.95
TARGET_3M_SCALING = 3.3

# The layers (artifacts.layer_of) the headline sums.
INDICATOR_LAYERS = ("indicators",)
SEGMENTATION_LAYERS = ("segmentation fit", "segmentation score")


def gib(value: float | None) -> str:
    return "" if value is None else f"{value / 1024**3:.2f} GiB"


def fmt_seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def fmt_int(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def fmt_rate(value: float | None) -> str:
    if value is None:
        return ""
    for size, unit in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:.0f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "met" if ok else "**not met**"


def headline(results: Mapping[str, Any]) -> dict[str, Any]:
    """The figures the targets are about, from a results dict."""
    full = results["builds"].get("full")
    daily = results["builds"].get("daily")
    figures: dict[str, Any] = {}
    if full:
        layers = layer_seconds(full["nodes"])
        figures["full_seconds"] = full["wall_seconds"]
        figures["full_peak_rss_bytes"] = max(full["peak_rss_bytes"], full["max_rss_bytes"])
        figures["indicator_seconds"] = sum(layers.get(x, 0.0) for x in INDICATOR_LAYERS)
        figures["segmentation_seconds"] = sum(layers.get(x, 0.0) for x in SEGMENTATION_LAYERS)
        cpu = layer_seconds(full["nodes"], "cpu_seconds")
        figures["indicator_cpu_seconds"] = sum(cpu.get(x, 0.0) for x in INDICATOR_LAYERS)
        figures["full_cpu_seconds"] = full.get("cpu_seconds")
    floor = results.get("floor")
    if floor and full:
        figures["floor_seconds"] = floor["seconds"]
        figures["full_floor_ratio"] = figures["full_seconds"] / floor["seconds"]
        figures["indicator_floor_ratio"] = figures["indicator_seconds"] / floor["seconds"]
        if floor.get("cpu_seconds") and figures["full_cpu_seconds"]:
            figures["floor_cpu_seconds"] = floor["cpu_seconds"]
            figures["full_floor_cpu_ratio"] = figures["full_cpu_seconds"] / floor["cpu_seconds"]
    if daily and full:
        figures["daily_seconds"] = daily["wall_seconds"]
        figures["daily_share"] = daily["wall_seconds"] / full["wall_seconds"]
    reference = results.get("reference_1m")
    if reference and full:
        figures["reference_1m_seconds"] = reference["full_seconds"]
        figures["scaling_vs_1m"] = full["wall_seconds"] / reference["full_seconds"]
    ari = (results.get("segmentation_quality") or {}).get("A")
    if ari:
        figures["ari_a"] = ari["adjusted_rand_index"]
    return figures


def render_section(results: Mapping[str, Any]) -> str:
    """The Markdown section of a run (without its markers): the run and the data, the figures
    against their targets, the floor and the fits, then per layer, per model and the tests."""
    lines = [*intro_lines(results), *targets_table(results), *floor_and_fit_lines(results)]
    builds = results["builds"]
    if not builds:
        lines.append(
            "No dbt build in this run (`--skip-dbt`): the figures above need no warehouse."
        )
        return "\n".join(lines).rstrip() + "\n"
    lines += [
        *layers_table(results),
        *models_table(builds),
        *tests_table(builds),
        *failures_lines(builds),
    ]
    return "\n".join(lines).rstrip() + "\n"


def intro_lines(results: Mapping[str, Any]) -> list[str]:
    """The heading, how the run was made, the machine and the versions, and the data."""
    machine = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    data = results["data"]
    return [
        f"## {results['size']:,} customers",
        "",
        f"Run {results['finished_at']} with `{results['command']}` (seed {results['seed']}, "
        f"dbt target `{results['dbt_target'] or 'default'}`) on the project at "
        f"{results.get('project', 'unknown')}.",
        f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), "
        f"{gib(machine['memory_bytes'])} RAM, Linux {machine['kernel']}"
        + (
            f", load average {machine['load_average']:.1f} when the run started"
            if machine.get("load_average") is not None
            else ""
        )
        + f" (a shared machine). Versions: {versions}.",
        "",
        f"Data: {data['rows_text']}; "
        + (
            f"generated in {data['generated_seconds']:.0f} s in this run"
            if data.get("generated_seconds") is not None
            else "reused from an earlier run"
        )
        + (
            f"; appending one day ({data['appended_day']}: "
            f"{data['appended_rows_text']}) took "
            f"{data.get('append_seconds', 0):.0f} s"
            if data.get("appended_day")
            else ""
        )
        + ".",
        "",
    ]


def target_row(label: str, value: str, target: str, ok: bool | None) -> str:
    """A row of the targets table; no verdict when the size has no target for the figure."""
    return f"| {label} | {value} | {target} | {verdict(ok) if target else ''} |"


def targets_table(results: Mapping[str, Any]) -> list[str]:
    """The headline figures, each with its target at this size and whether it was met."""
    lines = ["| figure | measured | target | |", "|---|---:|---|---|"]
    lines += full_build_rows(results)
    lines += other_build_rows(results)
    for scheme, q in (results.get("segmentation_quality") or {}).items():
        lines.append(
            target_row(
                f"ARI sample fit ({q['sample_size']:,}) vs full fit ({q['fitting_sample']:,}), "
                f"scheme {scheme}",
                f"{q['adjusted_rand_index']:.4f} ({q['same_segment_share']:.1%} same segment)",
                f">= {TARGET_ARI}",
                q["adjusted_rand_index"] >= TARGET_ARI,
            )
        )
    lines.append("")
    return lines


def full_build_rows(results: Mapping[str, Any]) -> list[str]:
    """The full build against the floor and against the 1M build, and its peak RSS."""
    size = results["size"]
    figures = headline(results)
    if "full_seconds" not in figures:
        return []
    rows = []
    full_ok = results["builds"]["full"]["ok"]
    ratio_target = TARGET_FLOOR_RATIO.get(size)
    if "full_floor_ratio" in figures:
        cpu_ratio = (
            f" (CPU {figures['full_cpu_seconds']:.0f} s / {figures['floor_cpu_seconds']:.0f} s"
            f" = {figures['full_floor_cpu_ratio']:.2f}x)"
            if "full_floor_cpu_ratio" in figures
            else ""
        )
        rows.append(
            target_row(
                "full `dbt build` (every model and test) / hand-written query, wall",
                f"{fmt_seconds(figures['full_seconds'])} s / {figures['floor_seconds']:.1f} s = "
                f"{figures['full_floor_ratio']:.2f}x"
                + ("" if full_ok else " (FAILED)")
                + cpu_ratio,
                f"<= {ratio_target:g}x" if ratio_target else "",
                figures["full_floor_ratio"] <= ratio_target and full_ok if ratio_target else None,
            )
        )
    if "scaling_vs_1m" in figures:
        rows.append(
            target_row(
                "full build / the 1M full build (the latest `make bench SIZE=1000000`)",
                f"{fmt_seconds(figures['full_seconds'])} s / "
                f"{fmt_seconds(figures['reference_1m_seconds'])} s = "
                f"{figures['scaling_vs_1m']:.2f}x for {size / 1_000_000:g}x the customers",
                f"<= {TARGET_3M_SCALING:g}x" if size == 3_000_000 else "",
                figures["scaling_vs_1m"] <= TARGET_3M_SCALING if size == 3_000_000 else None,
            )
        )
    peak_target = TARGET_PEAK_BYTES.get(size)
    rows.append(
        target_row(
            "peak RSS of the dbt process tree",
            gib(figures["full_peak_rss_bytes"]),
            f"< {gib(peak_target)}" if peak_target else "",
            figures["full_peak_rss_bytes"] < peak_target if peak_target else None,
        )
    )
    return rows


def other_build_rows(results: Mapping[str, Any]) -> list[str]:
    """The indicator layer against the floor, the daily build, and fit + score."""
    figures = headline(results)
    is_million = results["size"] == 1_000_000
    rows = []
    if "indicator_floor_ratio" in figures:
        rows.append(
            target_row(
                "indicator layer / hand-written query",
                f"{figures['indicator_seconds']:.1f} s / {figures['floor_seconds']:.1f} s = "
                f"{figures['indicator_floor_ratio']:.2f}x",
                "",
                None,
            )
        )
    if "daily_share" in figures:
        rows.append(
            target_row(
                "daily build (one appended day), wall",
                f"{fmt_seconds(figures['daily_seconds'])} s = "
                f"{figures['daily_share']:.0%} of the full",
                f"<= {TARGET_DAILY_SECONDS} s" if is_million else "",
                figures["daily_seconds"] <= TARGET_DAILY_SECONDS if is_million else None,
            )
        )
    if "segmentation_seconds" in figures:
        seconds = figures["segmentation_seconds"]
        rows.append(
            target_row(
                "segmentation fit + score (2 Python fits + SQL scoring)",
                f"{seconds:.1f} s",
                f"<= {TARGET_SEGMENTATION_SECONDS} s" if is_million else "",
                seconds <= TARGET_SEGMENTATION_SECONDS if is_million else None,
            )
        )
    return rows


def floor_and_fit_lines(results: Mapping[str, Any]) -> list[str]:
    """The floor query's figures (or why it failed) and the fits outside dbt."""
    lines = []
    floor = results.get("floor")
    if floor:
        lines.append(
            f"Floor: `FLOOR_SQL` in `tools/bench/floor.py` (every indicator of "
            f"`customer_indicators`, from the Parquet files, into a table) took "
            f"{floor['seconds']:.1f} s (process wall {floor['wall_seconds']:.1f} s, peak RSS "
            f"{gib(floor['peak_rss_bytes'])}), over {fmt_int(floor['input_rows'])} rows = "
            f"{fmt_rate(floor['input_rows'] / floor['seconds'])} rows/s."
        )
    if results.get("floor_error"):
        lines.append(f"Floor: the hand-written query failed: {results['floor_error']}.")
    source = results.get("segmentation_quality_source", "customer_indicators")
    for scheme, q in (results.get("segmentation_quality") or {}).items():
        lines.append(
            f"Scheme {scheme} fit by the package outside dbt, on the fitting sample of {source}: "
            f"all {q['fitting_sample']:,} in {q['full_fit_seconds']:.1f} s, a sample of "
            f"{q['sample_size']:,} in {q['sample_fit_seconds']:.1f} s."
        )
    lines.append("")
    return lines


def layers_table(results: Mapping[str, Any]) -> list[str]:
    """Wall and CPU seconds per layer of each build, dbt's own time, and each build's total."""
    builds = results["builds"]
    lines = [
        "Per layer: wall seconds (sum of dbt's `execution_time`) and CPU seconds (the dbt "
        "process tree's user + system time while the layer's nodes ran; 2 cores, so up to 2x "
        "wall; less affected by other load on the machine than wall time):",
        "",
    ]
    names = [n for n in ("full", "daily") if n in builds]
    lines.append("| layer | " + " | ".join(f"{n} s | {n} CPU s" for n in names) + " | full share |")
    lines.append("|---|" + "---:|" * (2 * len(names) + 1))
    per_layer = {n: layer_seconds(builds[n]["nodes"]) for n in names}
    per_layer_cpu = {n: layer_seconds(builds[n]["nodes"], "cpu_seconds") for n in names}
    full_total = sum(per_layer["full"].values()) if "full" in per_layer else None
    order = sorted(per_layer.get("full", {}), key=lambda k: -per_layer["full"][k])
    for layer in order + sorted({k for n in names for k in per_layer[n]} - set(order)):
        cells = [
            f"{fmt_seconds(per_layer[n].get(layer))} | {fmt_seconds(per_layer_cpu[n].get(layer))}"
            for n in names
        ]
        share = per_layer["full"].get(layer, 0) / full_total if full_total else 0.0
        lines.append(f"| {layer} | " + " | ".join(cells) + f" | {share:.0%} |")
    lines.append(
        "| dbt start-up, parsing, between nodes (harness clock - sum of nodes) | "
        + " | ".join(
            fmt_seconds(builds[n]["wall_seconds"] - sum(per_layer[n].values())) + " | "
            for n in names
        )
        + " | |"
    )
    for n in names:
        b = builds[n]
        cells = [
            f"{fmt_seconds(b['wall_seconds'])} | {fmt_seconds(b.get('cpu_seconds'))}"
            if m == n
            else " | "
            for m in names
        ]
        lines.append(
            f"| **{n} total** (harness clock; dbt elapsed {fmt_seconds(b['elapsed_dbt'])} s; "
            f"peak RSS {gib(b['peak_rss_bytes'])} sampled, {gib(b['max_rss_bytes'])} "
            f"ru_maxrss) | " + " | ".join(cells) + " | |"
        )
    for n in names:
        if builds[n].get("project") and builds[n]["project"] != results.get("project"):
            lines.append(f"The {n} build ran on the project at {builds[n]['project']}.")
    lines.append("")
    return lines


def models_table(builds: Mapping[str, Any]) -> list[str]:
    """Every model, seed and snapshot, slowest first in the full build, with the daily build's
    figures beside."""
    lines = [
        "Per model (tests below), slowest first in the full build. `rows in` = rows of the "
        "direct parents (an incremental model on the daily build: the rows it added); rows/s = "
        "rows in / s; peak RSS = the process tree's highest sample while the node ran.",
        "",
        "| model | layer | materialized | full s | full CPU s | full % | peak RSS | rows in | "
        "rows/s | rows out | daily s | daily rows in | daily rows/s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    full_nodes = {n["unique_id"]: n for n in builds.get("full", {}).get("nodes", [])}
    daily_nodes = {n["unique_id"]: n for n in builds.get("daily", {}).get("nodes", [])}
    models = [
        n
        for n in (full_nodes or daily_nodes).values()
        if n["resource_type"] in ("model", "seed", "snapshot")
    ]
    full_sum = sum(n["seconds"] for n in full_nodes.values()) or 1.0
    for node in sorted(models, key=lambda n: -n["seconds"]):
        d = daily_nodes.get(node["unique_id"], {})
        lines.append(
            f"| {node['name']} | {node['layer']} | {node['materialized'] or ''} | "
            f"{fmt_seconds(node['seconds'])} | {fmt_seconds(node.get('cpu_seconds'))} | "
            f"{node['seconds'] / full_sum:.1%} | "
            f"{gib(node['peak_rss_bytes'])} | {fmt_int(node['rows_in'])} | "
            f"{fmt_rate(node['rows_per_second'])} | {fmt_int(node['rows_out'])} | "
            f"{fmt_seconds(d.get('seconds'))} | {fmt_int(d.get('rows_in'))} | "
            f"{fmt_rate(d.get('rows_per_second'))} |"
        )
    lines.append("")
    return lines


def tests_table(builds: Mapping[str, Any]) -> list[str]:
    """How many tests and their seconds per build, and the ten slowest of the full build."""
    full_nodes = {n["unique_id"]: n for n in builds.get("full", {}).get("nodes", [])}
    daily_nodes = {n["unique_id"]: n for n in builds.get("daily", {}).get("nodes", [])}
    tests = [n for n in full_nodes.values() if n["resource_type"] in ("test", "unit_test")]
    if not tests:
        return []
    daily_tests = [n for n in daily_nodes.values() if n["layer"] == "tests"]
    lines = [
        f"Tests: {len(tests)} in {sum(n['seconds'] for n in tests):.1f} s (full build)"
        + (f", {sum(n['seconds'] for n in daily_tests):.1f} s (daily build)" if daily_tests else "")
        + "; the slowest ten of the full build:",
        "",
        "| test | full s | daily s |",
        "|---|---:|---:|",
    ]
    for node in sorted(tests, key=lambda n: -n["seconds"])[:10]:
        d = daily_nodes.get(node["unique_id"], {})
        lines.append(
            f"| {node['name']} | {fmt_seconds(node['seconds'])} | {fmt_seconds(d.get('seconds'))} |"
        )
    lines.append("")
    return lines


def failures_lines(builds: Mapping[str, Any]) -> list[str]:
    """The nodes of either build that did not succeed (the first twenty)."""
    failed = [
        f"{b}: {n['name']} ({n['status']})"
        for b in ("full", "daily")
        if b in builds
        for n in builds[b]["nodes"]
        if n["status"] not in OK_STATUSES
    ]
    return ["Not successful: " + "; ".join(failed[:20]), ""] if failed else []


DOC_HEADER = """# Benchmarks

Written by `make bench SIZE=<customers>` (`python -m tools.bench`, see `tools/bench/__init__.py`
for what is measured and how): one section per size, replaced when that size is run again.
Text outside the `bench:<size>` markers is kept.
"""


def update_doc(doc: Path, size: int, section: str) -> None:
    """Replace (or add, in size order) the section of ``size`` in doc, keeping the rest."""
    text = doc.read_text() if doc.exists() else DOC_HEADER
    start, end = f"<!-- bench:{size}:start -->", f"<!-- bench:{size}:end -->"
    block = f"{start}\n{section.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        later = [
            m for m in re.finditer(r"<!-- bench:(\d+):start -->", text) if int(m.group(1)) > size
        ]
        if later:
            at = later[0].start()
            text = text[:at] + block + "\n\n" + text[at:]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)
