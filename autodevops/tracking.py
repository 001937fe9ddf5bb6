"""What tuning records in MLflow: one nested run per trial, and the chosen model's figures and tables."""
from __future__ import annotations

from typing import Sequence

from autodevops.models.evaluation import per_category
from autodevops.models.selection import Trial
from autodevops.plots import confusion_figure, correctness, coverage_curve, reliability_figure


def log_trial(index: int, trial: Trial) -> None:
    """One nested run: the trial's parameters and its out-of-fold figures (corpus, and real logs when given)."""
    import mlflow

    with mlflow.start_run(run_name=f"trial-{index:03d}", nested=True):
        mlflow.log_params(trial.params)
        figures = {f"cv_{k}": v for k, v in trial.corpus.items() if isinstance(v, float)}
        figures |= {f"real_{k}": v for k, v in (trial.real or {}).items() if isinstance(v, float)}
        mlflow.log_metrics(figures | {"objective": trial.objective})


def log_chosen(params: dict, index: int, metrics: dict, predicted: Sequence[str | None], labels: Sequence[str],
               confidence: Sequence[float]) -> None:
    """The chosen trial's parameters, all its figures, and the held-out plots and tables."""
    import mlflow

    mlflow.log_params({f"best_{k}": v for k, v in params.items()} | {"best_trial": index})
    mlflow.log_metrics({f"{group}_{k}": v for group, values in metrics.items() if isinstance(values, dict)
                        for k, v in values.items() if isinstance(v, float)}
                       | {k: v for k, v in metrics.items() if isinstance(v, float)})
    mlflow.log_figure(confusion_figure(predicted, labels, "Held-out category confusion (tuned)"), "confusion_matrix.png")
    mlflow.log_figure(reliability_figure(confidence, correctness(predicted, labels),
                                         title="Held-out reliability (tuned, calibrated)"), "reliability.png")
    mlflow.log_table({k: [row[k] for row in per_category(predicted, labels)]
                      for k in ("category", "support", "top1", "category_accuracy")}, "per_category.json")
    curve = coverage_curve(predicted, labels, confidence)
    mlflow.log_table({k: [row[k] for row in curve] for k in curve[0]}, "coverage_precision.json")
