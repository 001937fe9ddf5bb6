"""The accuracy benchmarking report: one self-contained HTML page and its Markdown twin."""
from __future__ import annotations

import base64
import html
from pathlib import Path

METRIC_COLUMNS = [("top1", "top-1"), ("category_accuracy", "category acc."), ("unknown_abstention", "abstains on unknown"),
                  ("false_abstention", "false abstention"), ("coverage", "coverage"), ("precision", "precision"),
                  ("ece", "ECE")]


REAL_COLUMNS = [("chunk_hit", "chunk hit"), ("precision", "precision when answering"), ("top1_known", "top-1 in taxonomy"),
                ("unknown_abstention", "abstains on unknown"), ("ece", "ECE"), ("answers", "answers"), ("n", "logs")]


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _md_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(v).replace("|", "\\|") for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _html_table(header: list[str], rows: list[list], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = ""
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        body += f"<tr{cls}>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def sections(result: dict) -> list[tuple[str, list[str], list[list]]]:
    """The report's tables as (title, header, rows)."""
    approaches = result["approaches"]
    metric_rows = [[name] + [m.get(key) for key, _ in METRIC_COLUMNS] for name, m in approaches.items()]
    tables = [("Held-out metrics", ["approach"] + [label for _, label in METRIC_COLUMNS], metric_rows)]
    for split, rows in result.get("extra_splits", {}).items():
        tables.append((f"{split}: metrics", ["approach"] + [label for _, label in METRIC_COLUMNS],
                       [[name] + [m.get(key) for key, _ in METRIC_COLUMNS] for name, m in rows.items()]))
    if result.get("real"):
        header = ["approach"] + [label for _, label in REAL_COLUMNS]
        tables.append(("Real CI logs (repository-grouped cross-validation)", header,
                       [[name] + [m.get(key) for key, _ in REAL_COLUMNS] for name, m in result["real"].items()]))
    tables.append(("Per category (tuned hybrid, held-out)", ["category", "support", "top-1", "category acc."],
                   [[r["category"], r["support"], r["top1"], r["category_accuracy"]] for r in result["per_category"]]))
    tables.append(("Per pattern (tuned hybrid, held-out)", ["pattern", "held-out logs", "right", "top-1", "trust"],
                   [[r["pattern_id"], r["support"], r["right"], r["top1"], r["warning"] or "ok"] for r in result["per_pattern"]]))
    tables.append(("Worst confusions (tuned hybrid, held-out)", ["label", "predicted", "count", "example lines"],
                   [[c["label"], c["predicted"], c["count"], " ⏎ ".join(c["lines"])[:300]] for c in result["confusions"]]))
    if result.get("subcauses"):
        sub = result["subcauses"]
        header = ["category", "cases", "right pattern", "right sub-cause", "decisive step in first two"]
        rows = [["all", sub["cases"], sub["right_pattern"], sub["right_sub_cause"], sub["decisive_in_first_two"]]]
        rows += [[r["category"], r["cases"], r["right_pattern"], r["right_sub_cause"], r["decisive_in_first_two"]]
                 for r in sub["per_category"]]
        tables.append(("Right fix: sub-cause cases through the full analyzer", header, rows))
    tables.append(("Run parameters", ["parameter", "value"], [[k, str(v)] for k, v in result["parameters"].items()]))
    return tables


def markdown(result: dict, images: dict[str, str]) -> str:
    """The Markdown twin (images referenced as files beside it)."""
    out = [f"# autodevops accuracy benchmark\n\n{result['generated']}\n\n{result['summary']}\n"]
    out += [f"- ⚠ {w}\n" for w in result["warnings"]]
    for title, header, rows in sections(result):
        out.append(f"\n## {title}\n\n" + _md_table(header, rows))
    out.append("\n## Plots\n\n" + "".join(f"![{name}]({path})\n\n" for name, path in images.items()))
    return "".join(out)


def html_page(result: dict, images: dict[str, Path]) -> str:
    """A self-contained HTML page: tables, warnings and the plots inlined as PNG data URIs."""
    parts = [f"<h1>autodevops accuracy benchmark</h1><p class='meta'>{html.escape(result['generated'])}</p>",
             f"<p>{html.escape(result['summary'])}</p>"]
    if result["warnings"]:
        parts.append("<div class='warn'><ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in result["warnings"]) + "</ul></div>")
    for title, header, rows in sections(result)[:1]:
        parts.append(f"<h2>{html.escape(title)}</h2>" + _html_table(header, rows))
    parts.append("<h2>Plots</h2><div class='plots'>")
    for name, path in images.items():
        data = base64.b64encode(Path(path).read_bytes()).decode()
        parts.append(f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
                     f"<figcaption>{html.escape(name)}</figcaption></figure>")
    parts.append("</div>")
    for title, header, rows in sections(result)[1:]:
        classes = ["low" if title.startswith("Per pattern") and row[-1] != "ok" else "" for row in rows]
        parts.append(f"<h2>{html.escape(title)}</h2>" + _html_table(header, rows, classes))
    style = ("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}"
             "table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:4px 8px;"
             "text-align:left}th{background:#f3f3f3}tr.low td{background:#fff4e5}.warn{background:#fff4e5;"
             "border-left:4px solid #f0a020;padding:.5em 1em}.plots{display:flex;flex-wrap:wrap;gap:1em}"
             "figure{margin:0}img{max-width:520px;border:1px solid #eee}.meta{color:#666}")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>autodevops benchmark</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")


def write_figures(out: Path, predicted: list, labels: list[str], confidence, seed_predicted: list, seed_confidence,
                  names: tuple[str, str]) -> dict[str, Path]:
    """The report's plots as PNG files in ``out``: confusion, reliability, coverage against precision."""
    from autodevops.plots import confusion_figure, correctness, coverage_curve, coverage_figure, reliability_figure

    images = {"Category confusion (tuned hybrid)": out / "confusion.png",
              "Reliability (tuned hybrid)": out / "reliability.png",
              "Coverage vs precision": out / "coverage.png"}
    confusion_figure(predicted, labels, "Held-out category confusion (tuned hybrid)").savefig(
        images["Category confusion (tuned hybrid)"], dpi=110)
    reliability_figure(confidence, correctness(predicted, labels), title="Held-out reliability (tuned hybrid)").savefig(
        images["Reliability (tuned hybrid)"], dpi=110)
    curves = {names[0]: coverage_curve(predicted, labels, confidence),
              names[1]: coverage_curve(seed_predicted, labels, seed_confidence)}
    coverage_figure(curves).savefig(images["Coverage vs precision"], dpi=110)
    return images
