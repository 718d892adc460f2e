"""The batch-latency plot (matplotlib, Agg: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def batch_latency_plot(
    path: Path, sizes: list[int], series: dict[str, list[float]], round_trip_ms: float, latency_ms: float
) -> Path:
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    for label, values in series.items():
        axes.plot(sizes, values, marker="o", label=label)
    axes.axhline(1.5 * round_trip_ms, color="grey", linestyle="--", label="target: 1.5 x one record's round trip")
    axes.axhline(latency_ms, color="grey", linestyle=":", label=f"Dwolla answer time ({latency_ms:.0f} ms)")
    axes.set_xlabel("records in the batch")
    axes.set_ylabel("handle_batch latency, median (ms)")
    axes.set_title("One batch through the consumer, warm")
    axes.set_xticks(sizes)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
