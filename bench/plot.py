"""The batch-latency plot (matplotlib, Agg: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def batch_latency_plot(
    path: Path, sizes: list[int], series: dict[str, list[float]], round_trip_ms: float, latency_ms: float
) -> Path:
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    axes.set_title("One batch through the consumer, warm")
    for label, values in series.items():
        axes.plot(sizes, values, marker="o", label=label)
    axes.axhline(1.5 * round_trip_ms, color="grey", linestyle="--", label="target: 1.5 x one record's round trip")
    axes.axhline(latency_ms, color="grey", linestyle=":", label=f"Dwolla answer time ({latency_ms:.0f} ms)")
    axes.set_xticks(sizes)
    return _saved(figure, axes, path, "records in the batch", "handle_batch latency, median (ms)")


def floor_sweep_plot(
    path: Path, latencies_ms: list[float], series: dict[str, list[float]], target_ratio: float, batch: int
) -> Path:
    """Batch latency against Dwolla's answer time: the handler, the floor, and the target above the floor."""
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    axes.set_title("The real handler vs the ideal minimal consumer, warm")
    for label, values in series.items():
        axes.plot(latencies_ms, values, marker="o", label=label)
    if "floor" in series:
        target = [target_ratio * value for value in series["floor"]]
        axes.plot(latencies_ms, target, color="grey", linestyle="--", label=f"target: {target_ratio} x floor")
    axes.plot(latencies_ms, latencies_ms, color="grey", linestyle=":", label="Dwolla answer time")
    axes.set_xticks(latencies_ms)
    x_label = "Dwolla answer time for an exchange POST (ms)"
    return _saved(figure, axes, path, x_label, f"batch of {batch}, median latency (ms)")


def _saved(figure: Any, axes: Any, path: Path, x_label: str, y_label: str) -> Path:
    """The two plots' common finish: labels, a zero floor, a light grid, the legend, then the PNG."""
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
