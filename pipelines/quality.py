"""Data-quality gates with Great Expectations 1.x, one suite per layer, called from our code.

Row-level expectations name the rows that break them: those rows go to quarantine with the
expectation as their reason and the rest of the batch loads. Batch-level expectations judge
the batch as a whole: when one fails, the batch fails with a readable summary and nothing of
it is loaded.

Great Expectations takes seconds to import; it is imported once per process, on first use.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from pipelines.errors import VigieError

ROW, BATCH = "row", "batch"
EARLIEST = datetime(1990, 1, 1)
EPOCH = datetime(1970, 1, 1)


class DataQualityError(VigieError):
    """A batch-level expectation failed: the batch is not loaded."""

    exit_code = 1


@dataclass(frozen=True)
class GateSettings:
    languages: tuple[str, ...]
    require_brand: bool
    latest: datetime  # naive UTC, like the stored timestamps

    @classmethod
    def for_run(cls, languages: tuple[str, ...], require_brand: bool) -> GateSettings:
        latest = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
        return cls(tuple(languages), require_brand, latest)


@dataclass(frozen=True)
class GateResult:
    rejected: dict[int, str]  # row position -> reason
    failures: list[str]  # batch-level failures, one readable line each


def _mention_checks(settings: GateSettings) -> list[tuple[str, Any, str]]:
    import great_expectations as gx

    e = gx.expectations
    checks = [
        (ROW, e.ExpectColumnValuesToNotBeNull(column="mention_id"), "mention_id is missing"),
        (ROW, e.ExpectColumnValuesToNotBeNull(column="text"), "text is missing"),
        (
            ROW,
            e.ExpectColumnValuesToBeBetween(
                column="published_at",
                min_value=_epoch_us(EARLIEST),
                max_value=_epoch_us(settings.latest),
            ),
            "published_at is outside the sane range",
        ),
        (
            ROW,
            e.ExpectColumnValuesToBeBetween(
                column="sentiment_compound", min_value=-1.0, max_value=1.0
            ),
            "sentiment is outside [-1, 1]",
        ),
        (
            ROW,
            e.ExpectColumnValuesToBeInSet(column="lang", value_set=list(settings.languages)),
            f"language is not one of {', '.join(settings.languages)}",
        ),
        (
            BATCH,
            e.ExpectColumnValuesToBeUnique(column="mention_id"),
            "mention ids are not unique within the batch",
        ),
        (
            BATCH,
            e.ExpectColumnValuesToBeInSet(
                column="sentiment_label", value_set=["positive", "neutral", "negative"]
            ),
            "sentiment labels outside positive/neutral/negative",
        ),
    ]
    if settings.require_brand:
        checks.append(
            (ROW, e.ExpectColumnValuesToNotBeNull(column="brand"), "no brand after matching")
        )
    return checks


def _mart_checks() -> list[tuple[str, Any, str]]:
    import great_expectations as gx

    e = gx.expectations
    return [
        (
            BATCH,
            e.ExpectColumnValuesToBeBetween(column="sentiment_gap", min_value=0, max_value=0),
            "positive + neutral + negative differs from mentions",
        ),
        (
            BATCH,
            e.ExpectColumnValuesToBeBetween(column="share_of_voice", min_value=0, max_value=1),
            "share of voice outside [0, 1]",
        ),
        (
            BATCH,
            e.ExpectColumnValuesToBeBetween(column="mentions", min_value=0),
            "negative mention count",
        ),
        (
            BATCH,
            e.ExpectCompoundColumnsToBeUnique(column_list=["brand", "day"]),
            "more than one mart row per brand and day",
        ),
    ]


_CONTEXT: dict[str, Any] = {}


def _batch_definition():
    """One ephemeral context per worker: no files, no network, no progress bars."""
    if "definition" not in _CONTEXT:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("vigie").add_dataframe_asset("frame")
        _CONTEXT["definition"] = asset.add_batch_definition_whole_dataframe("whole")
    return _CONTEXT["definition"]


def _run(frame: pd.DataFrame, checks: list[tuple[str, Any, str]], name: str) -> GateResult:
    import great_expectations as gx

    if frame.empty:
        return GateResult({}, [])
    for level, expectation, reason in checks:
        # Results do not come back in suite order: each carries its level and reason.
        expectation.meta = {"vigie_level": level, "vigie_reason": reason}
    suite = gx.ExpectationSuite(name=name, expectations=[c for _, c, _ in checks])
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(suite, result_format="COMPLETE")
    reasons: dict[int, list[str]] = {}
    failures = []
    for result in outcome.results:
        if result.success:
            continue
        meta = result.expectation_config.meta
        level, reason = meta["vigie_level"], meta["vigie_reason"]
        if result.exception_info.get("raised_exception"):
            failures.append(
                f"{reason}: the check itself failed "
                f"({result.exception_info.get('exception_message')})"
            )
        elif level == ROW:
            for index in result.result.get("unexpected_index_list") or []:
                reasons.setdefault(int(index), []).append(reason)
        else:
            count = result.result.get("unexpected_count")
            failures.append(f"{reason} ({count} row(s))" if count else reason)
    rejected = {i: "quality gate: " + "; ".join(sorted(r)) for i, r in reasons.items()}
    return GateResult(rejected, sorted(failures))


def _epoch_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def check_mentions(frame: pd.DataFrame, settings: GateSettings) -> GateResult:
    """Times are checked as microseconds since the epoch: Great Expectations compares a
    datetime column one Python object at a time (most of a gate's cost), numbers at once."""
    frame = frame.reset_index(drop=True)
    # Naive times are UTC, like the stored ones.
    published = pd.to_datetime(frame["published_at"], utc=True).dt.tz_convert(None)
    published = published.astype("datetime64[us]")
    frame["published_at"] = (published - EPOCH) / pd.Timedelta(microseconds=1)
    return _run(frame, _mention_checks(settings), "mentions")


def check_marts(frame: pd.DataFrame) -> GateResult:
    return _run(frame.reset_index(drop=True), _mart_checks(), "marts")


class Gates:
    """The suites of one processing run, in this process; Great Expectations is imported on
    first use. `GateProcess` offers the same calls from a child process."""

    def mentions(self, frame: pd.DataFrame, settings: GateSettings) -> GateResult:
        return check_mentions(frame, settings)

    def marts(self, frame: pd.DataFrame) -> GateResult:
        return check_marts(frame)

    def __enter__(self) -> Gates:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _serve(conn) -> None:
    """The child's loop: import Great Expectations at once, then answer requests."""
    _batch_definition()
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        name, args = request
        try:
            result = check_mentions(*args) if name == "mentions" else check_marts(*args)
        except Exception as exc:  # sent back and raised in the parent, with its message
            conn.send((False, f"{type(exc).__name__}: {exc}"))
        else:
            conn.send((True, result))


class GateProcess(Gates):
    """The same gates, run by a child process started at once.

    Importing Great Expectations takes seconds of CPU. In a child it happens on the second
    core while this process builds its own models, instead of after them; the frames sent
    over are small (the gate's seven columns of one write). The child is spawned, not forked:
    it starts from a clean interpreter whatever threads this process runs (Airflow's).
    """

    def __init__(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()

    def _call(self, name: str, *args: Any) -> GateResult:
        try:
            self._conn.send((name, args))
            ok, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            code = self._process.exitcode
            raise VigieError(
                f"the quality-gate process stopped (exit code {code}): {exc}"
            ) from None
        if not ok:
            raise VigieError(f"the quality gate could not run: {value}")
        return value

    def mentions(self, frame: pd.DataFrame, settings: GateSettings) -> GateResult:
        return self._call("mentions", frame, settings)

    def marts(self, frame: pd.DataFrame) -> GateResult:
        return self._call("marts", frame)

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
        self._conn.close()


def gates_for_run() -> Gates:
    """A gate process when this process may start one (daemons, e.g. Celery's prefork
    workers, may not), else the gates in-process."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return Gates()
    return GateProcess()
