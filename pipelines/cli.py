"""The `vigie` command line. Each command is a thin shell over functions the DAGs also call."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NoReturn

from pipelines.errors import ConfigError, InputError, VigieError

DESCRIPTION = """\
Vigie listens to what the web says about your brands and competitors, scores it for
sentiment (English and French), stores it in DuckDB and writes daily reports.

Start with `vigie demo`: it runs the whole pipeline offline on bundled sample data.
"""

EPILOG = """\
typical day:
  vigie --config watchlist.yaml run --date 2026-11-20
step by step:
  vigie --config watchlist.yaml collect --date 2026-11-20   # land raw pages
  vigie import export.csv                                 # land a file of mentions
  vigie --config watchlist.yaml process                   # load everything landed
  vigie --config watchlist.yaml report --date 2026-11-20  # write the reports

environment: VIGIE_CONFIG (watchlist path), VIGIE_DB (database path),
VIGIE_AUTHOR_KEY (key for author pseudonyms; a private key file is used if unset).
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"vigie: error: {message} (see `{self.prog} --help`)\n")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date, expected YYYY-MM-DD") from None


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a time, expected ISO 8601 like 2026-11-20T13:00Z"
        ) from None
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)


def _yesterday() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)


def _paths(args: argparse.Namespace):
    from pipelines.settings import resolve_paths

    return resolve_paths(args.db)


def _required_watchlist(args: argparse.Namespace):
    from pipelines.settings import load_watchlist, resolve_config_path

    path = resolve_config_path(args.config)
    if path is None:
        raise ConfigError(
            f"`vigie {args.command}` needs a watchlist: pass --config PATH or set VIGIE_CONFIG "
            "(start from watchlist.example.yaml)"
        )
    return load_watchlist(path)


def _optional_watchlist(args: argparse.Namespace):
    from pipelines.settings import load_optional_watchlist

    return load_optional_watchlist(args.config)


def _progress(args: argparse.Namespace) -> bool:
    return not args.quiet


def _err(message: str) -> None:
    print(message, file=sys.stderr)


# ---- commands -------------------------------------------------------------------------------


def cmd_collect(args: argparse.Namespace) -> int:
    from pipelines.collect import collect

    paths, watchlist = _paths(args), _required_watchlist(args)
    outcomes = collect(paths, watchlist, _window(args), progress=_progress(args))
    status = _report_collect(outcomes)
    return _collect_audience(paths, watchlist) or status


def _collect_audience(paths, watchlist) -> int:
    """Today's follower counts of the own accounts, once a day per source (pipelines/audience)."""
    from pipelines.audience import collect_audience
    from pipelines.collect import http_client

    failed = 0
    for outcome in collect_audience(paths, watchlist, http_client(watchlist)):
        name = f"{outcome.source.type}/{outcome.source.query_id} audience"
        if outcome.error:
            failed += 1
            print(f"  {name}: FAILED: {outcome.error}")
        elif outcome.already_landed:
            print(f"  {name}: today's counts already landed ({outcome.batch.path})")
        else:
            print(f"  {name}: landed {len(outcome.batch.pages)} page(s) in {outcome.batch.path}")
    if failed:
        _err(f"vigie: error: follower counts of {failed} source(s) failed")
    return 1 if failed else 0


def _window(args: argparse.Namespace):
    from connectors.base import Window
    from pipelines.collect import day_window

    if args.date and (args.since or args.until):
        raise InputError("give either --date or --since/--until, not both")
    if args.date:
        return day_window(args.date)
    if args.since or args.until:
        if not (args.since and args.until):
            raise InputError("--since and --until go together")
        if args.until <= args.since:
            raise InputError("--until must be after --since")
        return Window(args.since, args.until)
    return None  # incremental: each source from where its last landed batch stopped


def _report_collect(outcomes) -> int:
    failed = 0
    for outcome in outcomes:
        name = f"{outcome.source.type}/{outcome.source.query_id}"
        if outcome.window:
            name += (
                f" [{outcome.window.start:%Y-%m-%dT%H:%MZ}, {outcome.window.end:%Y-%m-%dT%H:%MZ})"
            )
        if outcome.note:
            print(f"  {name}: {outcome.note}")
        elif outcome.error:
            failed += 1
            print(f"  {name}: FAILED: {outcome.error}")
        elif outcome.already_landed:
            print(f"  {name}: already landed ({outcome.batch.path})")
        else:
            print(f"  {name}: landed {len(outcome.batch.pages)} page(s) in {outcome.batch.path}")
    if not outcomes:
        print("  no enabled sources in the watchlist")
    if failed:
        _err(f"vigie: error: {failed} source(s) failed; the others were landed")
        return 1
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from pipelines.collect import import_file

    paths = _paths(args)
    for file in args.files:
        batch, existed = import_file(paths, Path(file))
        state = "already landed, nothing to do" if existed else "landed"
        print(f"{file}: {state} as batch {batch.batch_id} ({batch.path})")
    print("next: `vigie process` loads landed batches into the database")
    return 0


def cmd_process(args: argparse.Namespace) -> int:
    from pipelines.process import process_pending

    paths = _paths(args)
    results = process_pending(paths, _optional_watchlist(args), progress=_progress(args))
    return _print_process(results, paths.db)


def _print_process(results, db_path: Path) -> int:
    """The per-batch ledger as a table; 1 when a batch was rolled back by a quality gate."""
    if not results:
        print(f"nothing to process: every landed batch is already in {db_path}")
        return 0
    print(f"{'batch':<22}{'source':<10}{'received':>10}{'loaded':>9}{'dupes':>8}{'quarant.':>10}")
    totals = [0, 0, 0, 0]
    reasons: dict[str, int] = {}
    for r in results:
        if r.failed:
            print(f"{r.batch_id:<22}{r.source:<10}  FAILED its quality gate, rolled back")
            continue
        print(
            f"{r.batch_id:<22}{r.source:<10}{r.received:>10}{r.loaded:>9}"
            f"{r.duplicates:>8}{r.quarantined:>10}"
        )
        for i, n in enumerate((r.received, r.loaded, r.duplicates, r.quarantined)):
            totals[i] += n
        for reason, n in r.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    print(f"{'total':<32}{totals[0]:>10}{totals[1]:>9}{totals[2]:>8}{totals[3]:>10}")
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  quarantined {n}× {reason}")
    print(f"database: {db_path}")
    failed = [r for r in results if r.failed]
    for r in failed:
        _err(f"vigie: error: {r.failed}; nothing of it was loaded")
    return 1 if failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.reports import PdfError, find_chromium, print_pdf, write_reports

    day = args.date or _yesterday()
    chromium = find_chromium() if args.pdf else None
    if args.pdf and not chromium:
        _err("vigie: error: --pdf needs Chromium, not installed (apt-get install chromium)")
        return 1
    written = write_reports(
        _paths(args), _optional_watchlist(args), day, Path(args.out) if args.out else None
    )
    if not written:
        print("no brand to report on: configure brands in the watchlist or load mentions first")
        return 1
    for rs in written:
        print(f"{rs.brand}: {rs.reputation}\n{' ' * len(rs.brand)}  {rs.competitive}")
        print(f"{' ' * len(rs.brand)}  {rs.digest} (+{len(rs.csvs)} CSV)")
        for page in (rs.reputation, rs.competitive) if args.pdf else ():
            try:
                print(f"{' ' * len(rs.brand)}  {print_pdf(page, chromium)}")
            except PdfError as exc:
                _err(f"vigie: error: {exc}")
                return 1
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.collect import collect, day_window
    from pipelines.process import process_pending
    from pipelines.reports import write_reports

    paths, watchlist = _paths(args), _required_watchlist(args)
    day = args.date or _yesterday()
    window = day_window(day)
    status = _report_collect(collect(paths, watchlist, window, progress=_progress(args)))
    status = _collect_audience(paths, watchlist) or status
    status = (
        _print_process(process_pending(paths, watchlist, progress=_progress(args)), paths.db)
        or status
    )
    for rs in write_reports(paths, watchlist, day):
        print(f"report: {rs.reputation}\nreport: {rs.competitive}")
    return status


def cmd_score(args: argparse.Namespace) -> int:
    from pipelines.sentiment import Scorer

    scorer = Scorer(("en", "fr"), default_language="en")
    brands = _score_brands(args)
    for line in sys.stdin:
        text = line.rstrip("\n")
        score = scorer.score(text, lang=args.lang)
        row = score.as_dict()
        if brands:
            from pipelines.target_sentiment import target_scores

            row["target"] = target_scores(text, score.lang, brands, scorer, whole=score.compound)
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


def _score_brands(args: argparse.Namespace) -> dict[str, list[str]]:
    """--brand names, with their aliases and handles when a watchlist knows them."""
    if not args.brand:
        return {}
    from pipelines.target_sentiment import watchlist_brands

    known = watchlist_brands(_optional_watchlist(args))
    return {name: known.get(name, [name]) for name in args.brand}


def _json_value(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def cmd_parse(args: argparse.Namespace) -> int:
    from pipelines.parse import parse_file

    parsed, rejected = 0, 0
    for mention, error in parse_file(args.source, Path(args.file)):
        if error:
            rejected += 1
            _err(f"skipped: {error}")
        else:
            parsed += 1
            sys.stdout.write(json.dumps(mention, ensure_ascii=False, default=_json_value) + "\n")
    _err(f"{parsed} mention(s) parsed, {rejected} item(s) skipped")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from pipelines.status import store_status

    paths = _paths(args)
    status = store_status(paths, limit=args.limit)
    t = status["totals"]
    print(f"database: {paths.db}")
    print(f"mentions: {t['mentions']:,} (latest published {t['latest_mention'] or '–'})")
    print(
        f"batches: {t['batches']:,} processed, {len(status['pending'])} landed and waiting; "
        f"received {t['received']:,} = loaded {t['loaded']:,} + duplicates "
        f"{t['duplicates']:,} + quarantined {t['quarantined']:,}"
    )
    for batch in status["pending"][: args.limit]:
        print(
            f"  waiting  {batch.batch_id}  {batch.source}/{batch.query_id}  "
            f"landed {batch.landed_at:%Y-%m-%d %H:%M}"
        )
    if status["recent"]:
        print(
            f"\n{'batch':<22}{'source':<11}{'processed (UTC)':<18}{'received':>9}"
            f"{'loaded':>8}{'dupes':>7}{'quar.':>7}  ok"
        )
    for r in status["recent"]:
        print(
            f"{r['batch_id']:<22}{r['source']:<11}{r['processed_at']:%Y-%m-%d %H:%M}  "
            f"{r['received']:>9}{r['loaded']:>8}{r['duplicates']:>7}{r['quarantined']:>7}  "
            f"{'yes' if r['balanced'] else 'NO'}"
        )
    if t["unbalanced"]:
        _err(f"vigie: error: {t['unbalanced']} batch(es) do not add up")
        return 1
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    from pipelines.quarantine import list_quarantine, retry_quarantine

    paths = _paths(args)
    if args.action == "list":
        rows = list_quarantine(paths, batch_id=args.batch, limit=args.limit)
        if not rows:
            print("quarantine is empty" + (f" for batch {args.batch}" if args.batch else ""))
        for r in rows:
            payload = (r["payload"] or "").replace("\n", " ")
            print(f"{r['batch_id']}#{r['seq']}  {r['source']}  [{r['stage']}] {r['reason']}")
            print(f"    {payload[:160]}{'…' if len(payload) > 160 else ''}")
        return 0
    result = retry_quarantine(paths, _optional_watchlist(args), batch_id=args.batch)
    print(
        f"replayed {result.replayed}: {result.loaded} loaded, {result.duplicates} duplicates, "
        f"{result.still_quarantined} still quarantined"
    )
    if result.not_replayable:
        print(
            f"{result.not_replayable} record(s) could not be split out of their page and "
            "cannot be replayed; land their batch again once the source is fixed"
        )
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from pipelines.purge import purge_author, queue_purge

    if args.queue:
        request = queue_purge(_paths(args), args.author)
        print(f"{args.author}: erasure queued ({request}); the vigie_maintenance DAG runs it")
        return 0
    result = purge_author(_paths(args), args.author, dry_run=args.dry_run)
    if args.dry_run:
        print(
            f"{args.author}: {result.mentions} mention(s) would be erased "
            f"(days: {', '.join(map(str, result.days)) or 'none'}); nothing changed"
        )
        return 0
    print(
        f"{args.author}: erased {result.mentions} mention(s), {result.raw_records} raw "
        f"record(s), {result.quarantine} quarantined record(s); rewrote "
        f"{result.pages_rewritten} landing page(s) ({result.records_dropped_from_pages} "
        "record(s) dropped). Future collections of this author are refused."
    )
    print(
        "Reports written before now still show the old figures: regenerate them with "
        "`vigie report`."
    )
    for problem in result.unreadable_pages:
        _err(f"vigie: error: could not rewrite {problem}")
    return 1 if result.unreadable_pages else 0


def cmd_retention(args: argparse.Namespace) -> int:
    from pipelines.purge import apply_retention

    result = apply_retention(_paths(args), args.raw_days)
    print(
        f"removed {result.raw_records} raw record(s) and {result.batches_removed} landing "
        f"batch folder(s) older than {args.raw_days} days; mentions are kept"
    )
    return 0


def cmd_detect_spikes(args: argparse.Namespace) -> int:
    from pipelines.incidents import brand_settings
    from pipelines.settings import SpikeConfig
    from pipelines.spikes import DEFAULT_SETTINGS, detect_file

    # The same presets as a brand's `spikes: sensitivity:` in the watchlist.
    settings = brand_settings(SpikeConfig(sensitivity=args.sensitivity), DEFAULT_SETTINGS)
    incidents = detect_file(Path(args.file), freq=args.freq, settings=settings)
    sys.stdout.write(json.dumps(incidents, indent=2) + "\n")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from pipelines.alerts import run_alerts

    outcome = run_alerts(_paths(args), _optional_watchlist(args), digest_day=args.digest)
    for incident in outcome["incidents"]:
        print(
            f"incident {incident['incident_id']}: {incident['brand']} {incident['start']} → "
            f"{incident['end']}, peak {incident['peak_value']:.0f} against "
            f"{incident['baseline']:.1f} expected (score {incident['score']})"
        )
    if not outcome["incidents"]:
        print("no incident in the last weeks of data")
    print(outcome["summary"])
    return 1 if outcome["failed"] else 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.serve:
        from pipelines.demo_server import serve_demo

        return serve_demo(Path(args.out) / "serve", end=args.end, port=args.port)
    from pipelines.demo import run_demo

    run_demo(Path(args.out), progress=_progress(args))
    return 0


# ---- parser ---------------------------------------------------------------------------------


def _add(sub, name: str, func: Callable, help_: str, description: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        help=help_,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    from connectors import known_sources

    parser = _Parser(
        prog="vigie",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="watchlist YAML (default: $VIGIE_CONFIG); see watchlist.example.yaml",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="DuckDB file (default: $VIGIE_DB, else data/vigie.duckdb); landing "
        "files and reports live beside it",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    demo = _add(
        sub,
        "demo",
        cmd_demo,
        "run the whole pipeline offline on bundled sample data",
        "Serve sample feeds from a loopback HTTP server, collect them through the real\n"
        "RSS connector, process them into DuckDB and write both reports.\n"
        "Everything goes under --out (default data/demo); each run starts clean.\n\n"
        "With --serve, only the sample server runs, until Ctrl-C: it writes\n"
        "<out>/serve/watchlist.yaml pointing at itself and prints the commands that run\n"
        "the Airflow DAGs (airflow dags test ...) or vigie against it.\n\n"
        "examples:\n"
        "  vigie demo\n"
        "  vigie demo --serve --port 8765 --end 2026-11-21",
    )
    demo.add_argument(
        "--out",
        default="data/demo",
        metavar="DIR",
        help="where the demo writes (default: data/demo)",
    )
    demo.add_argument(
        "--serve",
        action="store_true",
        help="only serve the sample APIs on 127.0.0.1 until Ctrl-C (for Airflow runs)",
    )
    demo.add_argument(
        "--port", type=int, default=0, help="with --serve: the port (default: a free one)"
    )
    demo.add_argument(
        "--end",
        type=_date,
        metavar="YYYY-MM-DD",
        help="with --serve: the day after the sample month (default: today, UTC)",
    )

    run = _add(
        sub,
        "run",
        cmd_run,
        "the daily job: collect, process, report",
        "Collect the UTC day --date from every enabled source, process what was landed,\n"
        "refresh the marts and write the reports for that day.\n\n"
        "example: vigie --config watchlist.yaml run --date 2026-11-20",
    )
    run.add_argument(
        "--date", type=_date, metavar="YYYY-MM-DD", help="the UTC day to run (default: yesterday)"
    )

    collect = _add(
        sub,
        "collect",
        cmd_collect,
        "land raw pages from the configured sources",
        "Fetch each enabled source for a window and land the raw responses under\n"
        "<db folder>/landing. Does not touch the database. A window that is already\n"
        "landed is not fetched again. Without a window, each source is collected from\n"
        "where its last landed batch stopped up to the last full UTC hour (at most 7 days).\n\n"
        "examples:\n  vigie --config w.yaml collect                  # since the last run\n"
        "  vigie --config w.yaml collect --date 2026-11-20\n"
        "  vigie --config w.yaml collect --since 2026-11-20T08:00Z --until 2026-11-20T12:00Z",
    )
    collect.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="a whole UTC day")
    collect.add_argument("--since", type=_moment, metavar="TIME", help="window start (ISO 8601)")
    collect.add_argument("--until", type=_moment, metavar="TIME", help="window end, excluded")

    imp = _add(
        sub,
        "import",
        cmd_import,
        "land a CSV or JSONL file of mentions as one batch",
        "Land an export of mentions (CSV with a header, or JSON lines). Columns:\n"
        "  required: source_id, published_at (ISO 8601 with offset or Z; epoch s/ms), text\n"
        "  optional: source (default 'import'), url, title, author, author_followers,\n"
        "            lang, likes, shares, comments, brand (trusted when given)\n"
        "Bad rows are quarantined with a reason when you run `vigie process`; the same\n"
        "file imported twice changes nothing.\n\n"
        "example: vigie import mentions.csv && vigie process",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")

    _add(
        sub,
        "process",
        cmd_process,
        "load every landed batch into DuckDB",
        "Take every landed batch not yet processed through normalize, match, dedupe,\n"
        "sentiment and load, then refresh the marts. Prints received = loaded +\n"
        "duplicates + quarantined per batch. Without a watchlist, mentions are stored\n"
        "without brand matching.",
    )

    report = _add(
        sub,
        "report",
        cmd_report,
        "write the reputation and competitive reports",
        "Write, for each brand, the daily reputation report and the competitive-watch\n"
        "report (HTML with charts), their CSV tables and a Markdown digest.\n"
        "Default folder: <db folder>/reports/<date>/; an index.html lists them all.",
    )
    report.add_argument(
        "--date",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the UTC day to report (default: yesterday)",
    )
    report.add_argument("--out", metavar="DIR", help="write the files into DIR instead")
    report.add_argument(
        "--pdf",
        action="store_true",
        help="also print each HTML report to <name>.pdf beside it (needs Chromium)",
    )

    score = _add(
        sub,
        "score",
        cmd_score,
        "score texts from stdin, one JSON line per input line",
        "Read one text per line on stdin; write one JSON object per line with lang,\n"
        "compound, pos, neu, neg and label (positive/neutral/negative). With --brand,\n"
        "also the sentiment of the sentences (and clauses) that name each brand.\n\n"
        'example: echo "J\'adore ce vélo !" | vigie score\n'
        '         echo "Velora is great, unlike Roulix\'s awful app" | '
        "vigie score --brand Velora --brand Roulix",
    )
    score.add_argument(
        "--lang", choices=["en", "fr"], help="skip detection, score as this language"
    )
    score.add_argument(
        "--brand",
        action="append",
        metavar="NAME",
        help="also score the sentences naming this brand (repeatable): adds "
        '"target": {NAME: score or null}',
    )

    status = _add(
        sub,
        "status",
        cmd_status,
        "show the store: totals, recent batches, batches waiting",
        "Show what the database holds, the most recent batches with their ledger\n"
        "(received = loaded + duplicates + quarantined), and landed batches that\n"
        "`vigie process` has not loaded yet. Exits 1 if any batch does not add up.",
    )
    status.add_argument("--limit", type=int, default=20, help="batches to list (default 20)")

    quarantine = _add(
        sub,
        "quarantine",
        cmd_quarantine,
        "list quarantined records, or replay them after a fix",
        "Records that could not be loaded are kept with their raw payload and a reason.\n\n"
        "  vigie quarantine list [--batch ID]    show them, newest first\n"
        "  vigie quarantine retry [--batch ID]   map, match and load them again with the\n"
        "                                        current code and watchlist; those that\n"
        "                                        pass move to loaded in the ledger",
    )
    quarantine.add_argument("action", choices=["list", "retry"])
    quarantine.add_argument("--batch", metavar="ID", help="only this batch")
    quarantine.add_argument("--limit", type=int, default=50, help="rows to list (default 50)")

    purge = _add(
        sub,
        "purge",
        cmd_purge,
        "erase an author (GDPR): database, landing files, future reports",
        "Erase every mention of an author: from the database (mentions, raw records,\n"
        "quarantine), from the landing pages that held them (rewritten without them),\n"
        "and from every report written afterwards. The author's keyed pseudonyms are\n"
        "kept so that later collections cannot bring the mentions back.\n\n"
        "example: vigie purge --author @jane_doe --dry-run",
    )
    purge.add_argument(
        "--author",
        required=True,
        metavar="HANDLE",
        help="the author's handle or name as shown in mentions (with or without @)",
    )
    purge.add_argument("--dry-run", action="store_true", help="count, change nothing")
    purge.add_argument(
        "--queue",
        action="store_true",
        help="queue the erasure for the vigie_maintenance DAG instead",
    )

    retention = _add(
        sub,
        "retention",
        cmd_retention,
        "delete raw payloads older than N days",
        "Delete raw payloads (raw_records) and processed landing folders older than\n"
        "--raw-days. Mentions, marts and the ledger are kept.",
    )
    retention.add_argument(
        "--raw-days",
        type=int,
        default=90,
        metavar="N",
        help="keep raw payloads this many days (default 90)",
    )

    spikes = _add(
        sub,
        "detect-spikes",
        cmd_detect_spikes,
        "find incidents in a timestamp,value series (CSV); prints JSON",
        "Read a CSV with a `timestamp,value` header (ISO 8601 with offset or Z, naive = UTC,\n"
        "or epoch seconds/milliseconds) and print the incidents as a JSON list: start, end\n"
        "(exclusive), peak, peak_value, baseline (expected count at the peak) and score.\n"
        "The detector compares each bucket with a seasonal slot-of-week median and the\n"
        "recent level, on a scale that allows for overdispersed counts, and merges\n"
        "neighbouring anomalous buckets into one incident. Rows a few seconds off a\n"
        "regular grid are placed on it; an hour or more without rows where the same\n"
        "hours were busy a week earlier is an outage (missing data), not zeros. In\n"
        "buckets of 10 minutes or less, a one-bucket flare under twice the series' flares of\n"
        "the past four weeks is its usual chatter and not reported; a rise that lasts is.\n\n"
        "examples: vigie detect-spikes negative_per_hour.csv --freq 1h\n"
        "          vigie detect-spikes tweets_5min.csv --freq 5min --sensitivity high",
    )
    spikes.add_argument("file", metavar="FILE.csv")
    spikes.add_argument(
        "--freq",
        metavar="STEP",
        help="bucket size such as 5min or 1h (default: the data's spacing)",
    )
    spikes.add_argument(
        "--sensitivity",
        choices=("low", "normal", "high"),
        default="normal",
        help="the watchlist's presets: low fires less (threshold +1, twice the minimum "
        "excess), high fires more (threshold -1, half the excess); default: normal",
    )

    alerts = _add(
        sub,
        "alerts",
        cmd_alerts,
        "detect incidents and deliver alerts to the watchlist's channels",
        "Run spike detection on every brand's hourly negative mentions, store and explain\n"
        "the incidents (an ongoing incident grows, it is not alerted twice), then deliver\n"
        "each incident to every channel that has not received it: Slack-compatible\n"
        "webhooks, Standard-Webhooks-signed webhooks, e-mail. Secrets come from the\n"
        "environment variables the watchlist names. Exits 1 if a delivery failed (it is\n"
        "retried by the next run).\n\n"
        "example: vigie --config watchlist.yaml alerts --digest 2026-11-20",
    )
    alerts.add_argument(
        "--digest",
        type=_date,
        metavar="YYYY-MM-DD",
        help="also send the daily digest of that UTC day to digest channels",
    )

    parse = _add(
        sub,
        "parse",
        cmd_parse,
        "parse one saved API response into mentions (JSON lines)",
        "Turn one saved response body, exactly as the API sent it, into normalized\n"
        "mentions on stdout. Items that cannot be parsed are listed on stderr.\n\n"
        "example: vigie parse --source rss saved-feed.xml",
    )
    parse.add_argument(
        "--source",
        required=True,
        choices=known_sources(),
        metavar="NAME",
        help=f"one of: {', '.join(known_sources())}",
    )
    parse.add_argument("file", metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except VigieError as exc:
        _err(f"vigie: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _err("vigie: interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
