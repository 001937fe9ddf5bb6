"""The ``autodevops`` command line (see CONTRACT.md): each sub-command runs the flow of the same name.

Every command runs in this process unless a Prefect API is configured (``PREFECT_API_URL``): then
``ingest``, ``tune``, ``benchmark`` and ``analyze`` on folders, archives or ``--records`` are flow runs on
that server. No temporary Prefect server is ever started. ``analyze --dask`` scores on a Dask cluster.
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
                   help="auto: a Prefect flow run for folders, archives and --records when PREFECT_API_URL is set; "
                        "this process otherwise")
    p.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="score on a Dask cluster: tcp://HOST:8786 or local:N worker processes (env AUTODEVOPS_DASK)")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--strict", action="store_true", help="exit 1 when any log could not be read")
    p.add_argument("--resume", action="store_true",
                   help="skip the logs the --output file already holds (jsonl) and append the rest")

    p = add("tune", "Tune weights, threshold and neighbours by cross-validation; track in MLflow.")
    p.add_argument("--trials", type=int, default=300, help="random-search trials")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--real", action="append", default=[], metavar="FILE",
                   help="real CI logs with hand-marked failure reasons (JSON Lines, .gz ok; e.g. ../shared/realworld/logchunks-dev.jsonl.gz); repeatable: fits the line scorer and joins the objective and the calibration")

    p = add("benchmark", "Write the accuracy benchmarking report (HTML + Markdown).")
    p.add_argument("--output", "-o", default="reports", help="output folder")
    p.add_argument("--real", action="append", default=[], metavar="FILE",
                   help="real CI logs with hand-marked failure reasons (JSON Lines, .gz ok; e.g. ../shared/realworld/logchunks-dev.jsonl.gz); repeatable: adds the real-log table (repository-grouped cross-validation)")

    p = add("feedback", "Record whether an applied solution worked (moves its success rate), or teach a correction.")
    p.add_argument("pattern_id", nargs="?", help="the pattern whose solution was applied")
    p.add_argument("outcome", nargs="?", help="success | failure | a number between 0 and 1")
    p.add_argument("--log", help="teach: this log file belongs to --pattern")
    p.add_argument("--analysis-id", help="teach: the log of this earlier analysis belongs to --pattern")
    p.add_argument("--pattern", help="teach: the right pattern id (unknown teaches an abstention)")

    p = add("stats", "What the store holds: patterns, examples, per category.")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = add("serve", "Serve the page and the REST API (one process, the same analyzer as analyze).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--token", default=os.environ.get("AUTODEVOPS_TOKEN") or None,
                   help="required on every request (env AUTODEVOPS_TOKEN); needed beyond 127.0.0.1")
    p.add_argument("--reports", default=os.environ.get("AUTODEVOPS_REPORTS", "reports"),
                   help="folder of the benchmark report the dashboard shows (env AUTODEVOPS_REPORTS)")
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
    if args.resume and (not args.output or args.format != "jsonl"):
        raise ValueError("--resume needs --output FILE in the jsonl format: it skips the logs that file holds")
    from autodevops.engine import dask_address, local_workers, prefect_api_url, start_fork_server

    dask = dask_address(args.dask)
    if dask and local_workers(dask):
        start_fork_server()  # its imports overlap with this process's own start of the cluster
    if args.engine == "prefect" and not prefect_api_url():
        raise ValueError("--engine prefect needs a Prefect API: set PREFECT_API_URL (see README, Orchestration)")
    use_prefect = args.engine == "prefect" or (args.engine == "auto" and _batch_input(args) and prefect_api_url())
    if use_prefect:
        from autodevops.flows.analyze import analyze
        from autodevops.flows.orchestration import dask_task_runner

        flow = analyze.with_options(task_runner=dask_task_runner(dask)) if dask else analyze
        summary = flow(paths=args.paths, records=args.records, output=args.output, fmt=args.format,
                       batch_size=args.batch_size, resume=args.resume)
    else:
        summary = _analyze_locally(args, dask)
    skipped = f" ({summary['skipped']} already in {args.output})" if summary.get("skipped") else ""
    print(f"analyzed {summary['logs']} logs{skipped}", file=sys.stderr)
    if args.strict and summary.get("error"):
        raise RuntimeError(f"{summary['error']} of {summary['logs']} logs could not be read (--strict)")
    return 0


def _analyze_locally(args: argparse.Namespace, dask: str | None) -> dict:
    from autodevops.engine import open_engine, score
    from autodevops.inputs import batches, iter_inputs
    from autodevops.journal import Journal
    from autodevops.output import output_file, write
    from autodevops.progress import progress
    from autodevops.settings import Settings

    settings = Settings.from_env()
    errors = 0

    def counted(results):
        nonlocal errors
        for result in results:
            errors += result.error is not None
            yield result

    with open_engine(settings, dask) as engine, output_file(args.output, args.resume) as (out, done), \
            Journal(settings.journal_path) as journal:
        inputs = iter_inputs(args.paths, args.records, settings.limits, skip=done)
        results = journal.recorded(inputs, lambda items: score(
            engine, batches(items, args.batch_size, settings.limits.max_batch_bytes)))
        total = write(progress(counted(results)), args.format, out)
    return {"logs": total, "error": errors, "skipped": len(done)}


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
        taught = stats.get("taught") or {}
        print(f"{sum(taught.values())} taught examples (kept apart from the shipped corpus)")
        for pattern_id, n in sorted(taught.items()):
            print(f"  {pattern_id:40} {n:6d}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from autodevops.feedback import record_outcome, teach
    from autodevops.settings import Settings

    settings = Settings.from_env()
    if args.log or args.analysis_id:
        if not args.pattern or args.pattern_id or (args.log and args.analysis_id):
            raise ValueError("teach with --log FILE or --analysis-id ID, and --pattern PATTERN_ID")
        text = Path(args.log).read_text(encoding="utf-8", errors="replace") if args.log else None
        answer = teach(settings, args.pattern, log_text=text, analysis_id=args.analysis_id)
    else:
        if not args.pattern_id or args.outcome is None or args.pattern:
            raise ValueError("give PATTERN_ID success|failure|0..1, or --log FILE / --analysis-id ID with --pattern")
        answer = record_outcome(settings, args.pattern_id, _outcome(args.outcome))
    print(json.dumps(answer))
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
        if args.command == "serve":
            from autodevops.web.server import serve

            serve(args.host, args.port, args.token, Path(args.reports).resolve())
            return 0
        if args.command == "ingest":
            from autodevops.flows.ingest import ingest

            summary = ingest(corpora=args.corpora or None)
        elif args.command == "tune":
            from autodevops.flows.tune import tune

            summary = tune(trials=args.trials, folds=args.folds, seed=args.seed, real_paths=args.real or None)
        else:
            from autodevops.flows.benchmark import benchmark

            summary = benchmark(output=args.output, real_paths=args.real or None)
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
