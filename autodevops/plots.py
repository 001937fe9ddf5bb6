"""Figures for the tune run and the benchmark report (matplotlib, headless)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from autodevops.models.evaluation import category, is_correct
from autodevops.records import UNKNOWN


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def confusion_figure(predicted: Sequence[str | None], labels: Sequence[str], title: str = "Category confusion"):
    """Category-level confusion matrix (rows: truth, columns: prediction or 'abstained')."""
    plt = _pyplot()
    names = sorted({category(y) or UNKNOWN for y in labels}) + ["abstained"]
    index = {n: i for i, n in enumerate(names)}
    matrix = np.zeros((len(names), len(names)), dtype=int)
    for p, y in zip(predicted, labels):
        matrix[index[category(y) or UNKNOWN], index[category(p) if p else "abstained"]] += 1
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("label")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def reliability_figure(confidence: Sequence[float], correct: Sequence[bool], bins: int = 20, title: str = "Reliability"):
    """Reliability diagram: accuracy per confidence bin against the diagonal."""
    plt = _pyplot()
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    centers, accuracy, counts = [], [], []
    for b in range(bins):
        mask = index == b
        if mask.any():
            centers.append(confidence[mask].mean())
            accuracy.append(correct[mask].mean())
            counts.append(int(mask.sum()))
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot(centers, accuracy, "o-", label="observed")
    for x, y, n in zip(centers, accuracy, counts):
        ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel("confidence")
    ax.set_ylabel("fraction right")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def coverage_curve(predicted: Sequence[str | None], labels: Sequence[str], confidence: Sequence[float]) -> list[dict]:
    """Precision of the answered logs as the confidence cut-off rises (coverage vs precision)."""
    rows = []
    confidence = np.asarray(confidence, dtype=float)
    answered = np.array([p is not None for p in predicted])
    right = np.array([p == y for p, y in zip(predicted, labels)])
    for cut in np.linspace(0, 0.95, 20):
        mask = answered & (confidence >= cut)
        rows.append({"min_confidence": round(float(cut), 2), "coverage": round(float(mask.mean()), 4),
                     "precision": round(float(right[mask].mean()), 4) if mask.any() else None})
    return rows


def coverage_figure(curves: dict[str, list[dict]]):
    """Coverage vs precision for one or more approaches."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for name, rows in curves.items():
        pts = [(r["coverage"], r["precision"]) for r in rows if r["precision"] is not None]
        if pts:
            ax.plot(*zip(*pts), "o-", markersize=3, label=name)
    ax.set_xlabel("coverage (answered / all)")
    ax.set_ylabel("precision of answers")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title("Coverage vs precision")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def correctness(predicted: Sequence[str | None], labels: Sequence[str]) -> list[bool]:
    return [is_correct(p, y) for p, y in zip(predicted, labels)]
