"""The ``autodevops`` command line (see CONTRACT.md): each sub-command runs the flow of the same name.

``analyze`` on a few single files or stdin runs the same pure pipeline without Prefect, so one log answers
in a couple of seconds; folders, archives and ``--records`` batches run under Prefect's engine.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from autodevops.output import FORMATS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autodevops", description="Deployment logs in, one ready-to-apply fix out.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--store", help="store URL (overrides AUTODEVOPS_STORE; default: embedded DuckDB)")
        return p

    p = add("ingest", "Load labelled corpora (default: the shipped corpus) into the pattern store.")
    p.add_argument("corpora", nargs="*", help="JSON Lines files or folders of them")

    p = add("analyze", "Name the error pattern of each log and return its solution.")
    p.add_argument("paths", nargs="*", help="log files, folders, .gz/.tar.gz/.tgz/.zip archives, or - for stdin")
    p.add_argument("--records", help="JSON Lines file of {id, log} records")
    p.add_argument("--output", "-o", help="write results here instead of stdout")
    p.add_argument("--format", default="jsonl", choices=FORMATS)
    p.add_argument("--engine", default="auto", choices=("auto", "local", "prefect"),
                   help="auto: Prefect for folders, archives and --records; local pipeline otherwise")
    p.add_argument("--batch-size", type=int, default=512)

    p = add("tune", "Tune weights, threshold and neighbours by cross-validation; track in MLflow.")
    p.add_argument("--trials", type=int, default=300, help="random-search trials")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)

    p = add("benchmark", "Write the accuracy benchmarking report (HTML + Markdown).")
    p.add_argument("--output", "-o", default="reports", help="output folder")

    p = add("feedback", "Record whether an applied solution worked: moves its success rate.")
    p.add_argument("pattern_id")
    p.add_argument("outcome", help="success | failure | a number between 0 and 1")

    p = add("stats", "What the store holds: patterns, examples, per category.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _outcome(text: str) -> float:
    words = {"success": 1.0, "succeeded": 1.0, "worked": 1.0, "yes": 1.0, "failure": 0.0, "failed": 0.0, "no": 0.0}
    if text.lower() in words:
        return words[text.lower()]
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError("outcome must be success, failure or a number between 0 and 1")
    return value


def _batch_input(args: argparse.Namespace) -> bool:
    if args.records:
        return True
    archives = (".gz", ".tgz", ".zip", ".tar")
    return len(args.paths) > 20 or any(p != "-" and (Path(p).is_dir() or p.endswith(archives)) for p in args.paths)


def _analyze(args: argparse.Namespace) -> int:
    if not args.paths and not args.records:
        raise ValueError("give a PATH, - for stdin, or --records FILE")
    use_prefect = args.engine == "prefect" or (args.engine == "auto" and _batch_input(args))
    if use_prefect:
        from autodevops.flows.analyze import analyze

        summary = analyze(paths=args.paths, records=args.records, output=args.output, fmt=args.format,
                          batch_size=args.batch_size)
        print(f"analyzed {summary['logs']} logs", file=sys.stderr)
        return 0
    from autodevops.analyzer import Analyzer
    from autodevops.inputs import iter_inputs
    from autodevops.output import write
    from autodevops.progress import progress
    from autodevops.settings import Settings

    analyzer = Analyzer.load(Settings.from_env())
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        write(progress(analyzer.analyze(iter_inputs(args.paths, args.records), args.batch_size)), args.format, out)
    finally:
        if args.output:
            out.close()
    return 0


def _stats(args: argparse.Namespace) -> int:
    from autodevops.settings import Settings
    from autodevops.store import open_store

    settings = Settings.from_env()
    if not settings.store_url and not settings.embedded_store_path.exists():
        raise RuntimeError(f"no store at {settings.embedded_store_path}: run `autodevops ingest` first")
    with open_store(settings, read_only=True) as store:
        stats = store.stats()
    if args.json:
        print(json.dumps(stats, indent=2, sort_keys=True))
    else:
        print(f"{stats['patterns']} patterns, {stats['examples']} examples ({stats['store']} store)")
        for category, counts in sorted(stats["per_category"].items()):
            print(f"  {category:12} {counts['patterns']:4d} patterns {counts['examples']:6d} examples")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from autodevops.settings import Settings
    from autodevops.store import open_store

    outcome = _outcome(args.outcome)
    with open_store(Settings.from_env()) as store:
        rate = store.record_feedback(args.pattern_id, outcome)
    print(json.dumps({"pattern_id": args.pattern_id, "outcome": outcome, "success_rate": round(rate, 4)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``autodevops`` console script."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    args = _parser().parse_args(argv)
    previous = os.environ.get("AUTODEVOPS_STORE")
    if args.store:
        # Through the environment, not a flow parameter: Prefect records parameters, and the URL may hold a password.
        os.environ["AUTODEVOPS_STORE"] = args.store
    try:
        return _run(args)
    finally:
        if previous is None:
            os.environ.pop("AUTODEVOPS_STORE", None)
        else:
            os.environ["AUTODEVOPS_STORE"] = previous


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "analyze":
            return _analyze(args)
        if args.command == "stats":
            return _stats(args)
        if args.command == "feedback":
            return _feedback(args)
        if args.command == "ingest":
            from autodevops.flows.ingest import ingest

            summary = ingest(corpora=args.corpora or None)
        elif args.command == "tune":
            from autodevops.flows.tune import tune

            summary = tune(trials=args.trials, folds=args.folds, seed=args.seed)
        else:
            from autodevops.flows.benchmark import benchmark

            summary = benchmark(output=args.output)
        print(json.dumps(summary, indent=2, sort_keys=True, default=str))
        return 0
    except KeyboardInterrupt:
        print("autodevops: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for people and schedules; details with AUTODEVOPS_DEBUG=1
        if os.environ.get("AUTODEVOPS_DEBUG"):
            raise
        from autodevops.redaction import redact

        message = redact(" ".join(str(exc).split())) or type(exc).__name__
        print(f"autodevops: error: {type(exc).__name__}: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
