"""Spike detection on mention-volume series (negative mentions per brand, or total volume).

Real mention counts have daily and weekly cycles, slow trends, quiet hours full of zeros and
far more variance than a Poisson law allows, so a plain z-score or Poisson test fires all the
time. The detector asks of each bucket, and of the last hour and the last six hours: "is this
clearly above what this brand usually gets at this time of the week?"

* **Expected value (baseline).** A seasonal shape, the median over the last four weeks of the
  same slot of the week (each week's value averaged over the slots 30 minutes either side,
  wider for quiet brands until it holds a few mentions; the same slot of the last seven days
  while less than a week of history exists), scaled by a trailing level: what arrived over
  the last three days against what the shape predicted for them. The median shrugs off one
  bad week; the level follows trends and shifts.
* **Test.** Counts are compared on the square-root scale (Anscombe), where Poisson noise has
  unit variance; overdispersion is a negative-binomial-style term, ``var = 1 + mu * phi``,
  with ``phi`` re-estimated from the last two weeks (a median, in closed form, so incidents do
  not inflate it). Sums over one hour and six hours are tested too: a slow-building incident
  may have no remarkable bucket and still a remarkable afternoon. Where few mentions are
  expected the score is the exact negative-binomial tail instead (the square-root scale
  understates how rare 13 against 3 is), and a one-sided CUSUM of bucket scores picks the span
  of a broad, moderate rise, which is then tested like a window of that length.
* **Guards.** A test fires only if its score passes ``threshold`` *and* the excess is at least
  ``min_excess`` mentions, ``min_ratio`` of the expected volume and ``min_share`` of the
  brand's average volume: 0 -> 2 on a quiet brand is not an incident, nor is a significant
  +10 % on a big one, nor a bump at 3 a.m. too small to show on the brand's chart.
* **Usual bursts.** Some brands' chatter flares up for five minutes every few days (a
  retweet storm, a link shared by a big account): one bucket way up, its neighbours about
  normal. Once a series has had such a flare in the last four weeks, another one no bigger
  (less than twice the peak excess of the biggest of them) is its usual behaviour and is not
  reported; a rise that lasts is. Hourly buckets cannot show that shape, so the rule only
  runs on buckets of ten minutes or less.
* **Outages.** A stretch of an hour or more without rows, where the same hours held 20
  mentions or more a week earlier, is missing data: held at its expected values and never
  tested, so the days after it are not compared with a level sunk by a day of "zeros".
  Shorter gaps, and gaps on quiet brands or at night, are zeros (exports leave them out).
* **Protection.** For a day after an incident starts, its buckets enter the history later
  baselines read as their expected value, so the incident does not become its own baseline;
  after that its level counts as the new normal, so a lasting shift ends up learned. What
  fires again at the same time a week later is a weekly pattern and is learned too.
* **Causal.** The baseline, dispersion and protection at a bucket use earlier buckets only.
  The computation is vectorised and iterated to the fixed point a bucket-by-bucket loop
  would reach (to a relative 1e-4 on held values), so the hourly run on live data finds what
  this function finds on history.

A firing window's incident stretch is the part of the window that carries its excess, and
anomalous buckets separated by less than ``cooldown`` form one incident: a short dip inside a
burst or a second wave of the same story give one incident, one alert.
"""

from __future__ import annotations

import csv
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines.errors import ConfigError, InputError

# Median of a chi-square with one degree of freedom: median(z**2) for standard normal z.
_CHI2_MEDIAN = 0.454936423119572
_MAX_BUCKETS = 5_000_000
_MAX_PASSES = 8
# The expected count never drops below this share of the past week's average per bucket.
_FLOOR = 0.3
# Mentions a past slot of the week should hold, neighbours included, before its median means
# anything; quiet brands get wider slots (up to six hours either side).
_SLOT_MENTIONS = 10.0
# Below this expected count a test uses the exact tail rather than the square-root scale.
_EXACT_BELOW = 30.0
# A stretch without rows where the same hours held this many mentions a week earlier is an
# outage, not zeros.
_OUTAGE_MENTIONS = 20.0
# A burst on a bursty series is news again when its peak carries this many times the excess
# of the biggest of its recent bursts' peaks.
_BURST_MARGIN = 2.0
# The longest bucket that shows a burst's shape (one bucket up, its neighbours about normal).
_BURST_STEP = pd.Timedelta("10min")


def _duration(value: str, name: str) -> pd.Timedelta:
    """Parse "5min", "1h", "1D"... into a Timedelta; ConfigError names the setting."""
    try:
        delta = pd.Timedelta(value)
    except (ValueError, TypeError):
        raise ConfigError(f"spike setting {name}={value!r} is not a duration like '1h'") from None
    if delta < pd.Timedelta(0):
        raise ConfigError(f"spike setting {name}={value!r} must not be negative")
    return delta


@dataclass(frozen=True)
class DetectorSettings:
    """How sensitive the detector is. Defaults suit 5-minute and hourly mention counts.

    Tuned on the labelled synthetic benchmark (benchmarks/spikes_eval.py, figures in
    benchmarks/RESULTS.md): on its "nab" family, shaped like public tweet-volume benchmarks,
    they catch more windows than a trailing-week z-score with about a quarter of its false
    alarms at 5 minutes; on the narrow windows of families a and b they catch fewer.

    threshold: score a window must reach, in standard deviations of its noise on the
        square-root scale, overdispersion included. Lower it to hear about smaller bumps.
    single_margin: extra score a single bucket needs when it is shorter than every window:
        a lone noisy 5-minute bucket is the commonest false alarm on busy brands.
    min_excess: mentions above the expected count the bucket or window must carry, so that
        0 -> 2 on a quiet brand is not an incident.
    min_ratio: the observed volume must be at least (1 + min_ratio) times the expected one:
        at high volume a +20 % rise can be significant without being news.
    min_share: the excess must also be at least this share of the brand's average volume over
        the past week (for the same span): a burst at 3 a.m. that would not show on the
        brand's daily chart is not an incident.
    windows: spans whose summed excess is tested besides single buckets: they catch
        slow-building incidents that no single bucket reveals.
    cooldown: an incident ends only after this long without anomalous buckets, so a short
        dip or a second wave of the same story does not alert twice.
    season_weeks: how many past weeks feed the slot-of-week median.
    slot_halfwidth: neighbouring slots averaged into each past week's value (at least one
        each side; more for quiet brands): steadies the median and absorbs small shifts in
        schedule, at the cost of blurring weekly peaks shorter than that.
    level_window: trailing span that measures the current level (trends, level shifts):
        longer is steadier and harder for a slow-building incident to hide in, shorter
        follows a lasting shift sooner.
    dispersion_window: trailing span over which overdispersion is estimated.
    warmup: history needed before anything is reported.
    protect: for this long after an incident starts, its buckets enter the history that later
        baselines read as the expected value, so the incident does not raise its own baseline;
        past that, the new level is taken as the new normal (a lasting shift is learned).
    member_z: when a window fires, the incident covers its stretch where single-bucket scores
        add up the most above member_z: higher gives tighter starts and ends.
    cusum_drift: what each bucket's score must exceed to add to the accumulation (CUSUM);
        higher ignores gentler rises.
    cusum_threshold: accumulated score at which the span since the accumulation last started
        is tested as a window (0 turns the accumulation off).
    burst_ratio: an incident is burst-shaped when its biggest bucket carries at least a third
        of its excess and this many times the excess of any other bucket within an hour of
        it: one bucket way up, its neighbours about normal (a retweet storm, a link shared by
        a big account). Only buckets of 10 minutes or less show that shape; with coarser ones
        the rule is off.
    burst_memory, burst_repeat: a burst-shaped incident is not reported when the series had
        at least burst_repeat burst-shaped incidents (reported or not) in the burst_memory
        before it, unless its peak carries twice the excess of the biggest of their peaks:
        on a brand whose chatter often flares up for a few minutes, one more flare is its
        usual behaviour, not news. A rise that lasts is reported whatever came before (0
        turns this off).
    """

    threshold: float = 3.5
    single_margin: float = 1.5
    min_excess: float = 10.0
    min_ratio: float = 0.75
    min_share: float = 1.0
    windows: tuple[str, ...] = ("1h", "6h")
    cooldown: str = "6h"
    season_weeks: int = 4
    slot_halfwidth: str = "30min"
    level_window: str = "3D"
    dispersion_window: str = "14D"
    warmup: str = "1D"
    protect: str = "1D"
    member_z: float = 1.5
    cusum_drift: float = 0.5
    cusum_threshold: float = 8.0
    burst_ratio: float = 2.0
    burst_memory: str = "28D"
    burst_repeat: int = 1
    _parsed: dict[str, pd.Timedelta] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        numbers = (
            "threshold",
            "single_margin",
            "min_excess",
            "min_ratio",
            "min_share",
            "cusum_drift",
            "cusum_threshold",
            "burst_ratio",
        )
        for name in (*numbers, "member_z"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"spike setting {name}={value!r} must be a number")
            if not math.isfinite(value) or value < 0:
                raise ConfigError(f"spike setting {name}={value!r} must be a number >= 0")
        if isinstance(self.season_weeks, bool) or not isinstance(self.season_weeks, int):
            raise ConfigError(f"spike setting season_weeks={self.season_weeks!r} must be >= 1")
        if self.season_weeks < 1:
            raise ConfigError(f"spike setting season_weeks={self.season_weeks!r} must be >= 1")
        repeat = self.burst_repeat
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 0:
            raise ConfigError(f"spike setting burst_repeat={repeat!r} must be a whole number >= 0")
        if isinstance(self.windows, str) or not isinstance(self.windows, tuple | list):
            raise ConfigError("spike setting windows must be a list of durations, like ['1h']")
        object.__setattr__(self, "windows", tuple(self.windows))
        spans = (
            "cooldown",
            "slot_halfwidth",
            "level_window",
            "dispersion_window",
            "warmup",
            "protect",
            "burst_memory",
        )
        parsed = {name: _duration(getattr(self, name), name) for name in spans}
        for i, window in enumerate(self.windows):
            parsed[f"window{i}"] = _duration(window, "windows")
        object.__setattr__(self, "_parsed", parsed)

    def span(self, name: str) -> pd.Timedelta:
        """The named duration setting as a Timedelta."""
        return self._parsed[name]


DEFAULT_SETTINGS = DetectorSettings()


@dataclass(frozen=True)
class Incident:
    """A period of abnormal volume: [start, end) in UTC.

    peak is the bucket furthest above its expected count, peak_value its count, baseline that
    expected count; score is the strongest firing test's score (noise standard deviations
    above expected on the square-root scale, overdispersion included).
    """

    start: datetime
    end: datetime
    peak: datetime
    peak_value: float
    baseline: float
    score: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with ISO 8601 times."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "peak": self.peak.isoformat(),
            "peak_value": float(self.peak_value),
            "baseline": round(float(self.baseline), 3),
            "score": round(float(self.score), 2),
        }


# --------------------------------------------------------------------------- reading a file


def _parse_times(raw: list[str]) -> pd.DatetimeIndex:
    """ISO 8601 (offset or Z; naive = UTC) or epoch seconds/milliseconds, all as UTC."""
    numeric = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce")
    if raw and numeric.notna().all():
        seconds = numeric.to_numpy(dtype=float)
        unit = "ms" if np.nanmax(np.abs(seconds)) >= 1e11 else "s"
        return pd.DatetimeIndex(pd.to_datetime(seconds, unit=unit, utc=True))
    parsed = pd.to_datetime(pd.Series(raw), utc=True, errors="coerce", format="ISO8601")
    return pd.DatetimeIndex(parsed)


def read_series(path: Path) -> pd.Series:
    """Read a `timestamp,value` CSV into a float Series indexed by UTC timestamps.

    Errors a user can fix raise InputError with one line naming the file and, for a bad row,
    the line number as an editor shows it.
    """
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a CSV file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    lines: list[int] = []
    stamps: list[str] = []
    values: list[str] = []
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty file, expected a header `timestamp,value`")
            names = [name.strip().lower() for name in header]
            missing = [name for name in ("timestamp", "value") if name not in names]
            if missing:
                raise InputError(
                    f"{path}: line 1: missing column {' and '.join(missing)} "
                    "(expected a header `timestamp,value`)"
                )
            t_col, v_col = names.index("timestamp"), names.index("value")
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue
                if len(row) != len(names):
                    raise InputError(
                        f"{path}: line {reader.line_num}: expected {len(names)} fields, "
                        f"got {len(row)}"
                    )
                lines.append(reader.line_num)
                stamps.append(row[t_col].strip())
                values.append(row[v_col].strip())
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
        except csv.Error as exc:
            raise InputError(f"{path}: line {reader.line_num}: {exc}") from None
    if not lines:
        raise InputError(f"{path}: no data rows after the header")

    times = _parse_times(stamps)
    bad = np.flatnonzero(np.asarray(times.isna()))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{path}: line {lines[i]}: timestamp {stamps[i]!r} is not ISO 8601 or epoch seconds"
        )
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(numbers))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{path}: line {lines[i]}: value {values[i]!r} is not a number")
    bad = np.flatnonzero(numbers < 0)
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{path}: line {lines[i]}: value {values[i]!r} is negative")
    return pd.Series(numbers, index=times, name="value")


# --------------------------------------------------------------------------- the grid


def _infer_step(times: pd.DatetimeIndex) -> pd.Timedelta | None:
    """The most common spacing between distinct timestamps (gaps are the exception)."""
    distinct = np.unique(times.as_unit("ns").asi8)
    if distinct.size < 2:
        return None
    diffs = np.diff(distinct)
    seconds = np.round(diffs / 1e9).astype(np.int64)
    seconds = seconds[seconds > 0]
    if seconds.size == 0:
        return pd.Timedelta(int(np.min(diffs)), unit="ns")
    spacings, counts = np.unique(seconds, return_counts=True)
    step = int(spacings[np.argmax(counts)])
    if step >= 60 and abs(step - 60 * round(step / 60)) <= 0.02 * step:
        step = 60 * round(step / 60)  # jittery exports: 299 s and 301 s mean 5 minutes
    return pd.Timedelta(step, unit="s")


def _step(freq: str | None, times: pd.DatetimeIndex) -> pd.Timedelta | None:
    if freq is None:
        return _infer_step(times)
    try:
        step = pd.Timedelta(freq)
    except (ValueError, TypeError):
        try:
            step = pd.Timedelta(pd.tseries.frequencies.to_offset(freq).nanos, unit="ns")
        except (ValueError, TypeError):
            raise InputError(f"freq {freq!r} is not a duration like '5min' or '1h'") from None
    if step <= pd.Timedelta(0):
        raise InputError(f"freq {freq!r} must be positive")
    return step


def _utc_index(series: pd.Series) -> pd.DatetimeIndex:
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        try:
            index = pd.DatetimeIndex(pd.to_datetime(index, utc=True))
        except (ValueError, TypeError):
            raise InputError("series must be indexed by timestamps") from None
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    return index.as_unit("ns")


def _snap(stamps: np.ndarray, native: pd.Timedelta | None) -> tuple[int, int] | None:
    """The grid a regular export sits on, as (anchor, spacing) in ns, or None.

    Exports of 5-minute counts carry a constant offset (12:02:53, 12:07:53...) and often a
    few seconds of jitter (12:02:52, then 12:07:54). Flooring such times from the first one
    puts a row that is a second early into the previous bucket: one bucket doubled, the next
    empty, a false spike and a false dip. When nearly every row lies within a tenth of the
    spacing of one grid, rows are placed on that grid's nearest point instead; raw event
    times, which sit on no grid, keep their exact times.
    """
    if native is None or stamps.size < 3:
        return None
    spacing = int(native.value)
    if spacing <= 0:
        return None
    first = int(stamps.min())
    phase = (stamps - first) % spacing
    phase = np.where(phase > spacing // 2, phase - spacing, phase)
    anchor = first + int(np.median(phase))
    residual = (stamps - anchor + spacing // 2) % spacing - spacing // 2
    if np.mean(np.abs(residual) <= spacing // 10) < 0.95:
        return None
    return anchor, spacing


def _positions(stamps: np.ndarray, snap: tuple[int, int] | None) -> np.ndarray:
    """Times in ns, moved to the nearest point of the export's grid when it has one."""
    if snap is None:
        return stamps
    anchor, spacing = snap
    return anchor + np.round((stamps - anchor) / spacing).astype(np.int64) * spacing


def _grid(
    series: pd.Series, freq: str | None
) -> tuple[pd.Timestamp, pd.Timedelta, np.ndarray, tuple[int, int] | None, np.ndarray] | None:
    """Sum the series into regular buckets starting at its first timestamp; gaps are zeros.

    Also returns the grid the input's timestamps were snapped to (see `_snap`), so that
    another series can be placed into the same buckets, and which buckets had a row.
    """
    if not isinstance(series, pd.Series):
        raise InputError("detect() takes a pandas Series of counts indexed by timestamps")
    index = _utc_index(series)
    values = pd.to_numeric(pd.Series(series.to_numpy()), errors="coerce").to_numpy(float)
    keep = ~np.isnan(values) & ~np.asarray(index.isna())
    if np.isinf(values).any():
        raise InputError("series contains an infinite value")
    if (values[keep] < 0).any():
        raise InputError("series contains a negative value; counts cannot be negative")
    index, values = index[keep], values[keep]
    if len(values) == 0:
        return None
    step = _step(freq, index)
    if step is None:
        return None
    snap = _snap(index.asi8, _infer_step(index) if freq is not None else step)
    stamps = _positions(index.asi8, snap)
    start = int(stamps.min())
    offsets = (stamps - start) // step.value
    if int(offsets.max()) >= _MAX_BUCKETS:
        raise InputError(
            f"series spans {int(offsets.max()) + 1} buckets of {step}: use a coarser freq"
        )
    counts = np.bincount(offsets, weights=values, minlength=int(offsets.max()) + 1)
    seen = np.bincount(offsets, minlength=len(counts)) > 0
    return pd.Timestamp(start, unit="ns", tz="UTC"), step, counts, snap, seen


# --------------------------------------------------------------------------- numerics


def _trailing_sum(x: np.ndarray, w: int) -> np.ndarray:
    """Sum of x[t-w+1 .. t] (NaN where fewer than w values exist or any is NaN)."""
    out = np.full(x.shape, np.nan)
    if w <= len(x):
        missing = np.isnan(x)
        cs = np.concatenate(([0.0], np.cumsum(np.where(missing, 0.0, x))))
        holes = np.concatenate(([0], np.cumsum(missing)))
        out[w - 1 :] = np.where(holes[w:] > holes[:-w], np.nan, cs[w:] - cs[:-w])
    return out


def _past_sum(x: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of x[max(0, t-w) .. t-1]: strictly before t, shorter at the start."""
    cs = np.concatenate(([0.0], np.cumsum(x)))
    t = np.arange(len(x))
    lo = np.maximum(t - w, 0)
    return cs[t] - cs[lo], (t - lo).astype(float)


def _centred_mean(x: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Mean of x[j-half[j] .. j+half[j]], truncated at the edges."""
    n = len(x)
    cs = np.concatenate(([0.0], np.cumsum(x)))
    j = np.arange(n)
    lo, hi = np.maximum(j - half, 0), np.minimum(j + half + 1, n)
    return (cs[hi] - cs[lo]) / (hi - lo)


def _lagged_median(sm: np.ndarray, lag: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Median over k=1..count of sm[t - k*lag] where available, and how many were."""
    n = len(sm)
    cols = np.full((n, count), np.nan)
    for k in range(1, count + 1):
        shift = k * lag
        if shift < n:
            cols[shift:, k - 1] = sm[: n - shift]
    have = np.sum(~np.isnan(cols), axis=1)
    ordered = np.sort(cols, axis=1)  # NaN last
    rows = np.arange(n)
    low = ordered[rows, np.maximum(have - 1, 0) // 2]
    high = ordered[rows, np.maximum(have, 1) // 2 - (have == 0)]
    return np.where(have > 0, (low + high) / 2.0, np.nan), have


@dataclass(frozen=True)
class _Plan:
    """Bucket counts for one run: derived once from the settings and the step."""

    day: int
    week: int
    half: int
    level: int
    dispersion: int
    warmup: int
    cooldown: int
    protect: int
    burst: int  # buckets in an hour; 0 when the step is too coarse to see a burst's shape
    burst_memory: int
    burst_repeat: int
    burst_ratio: float
    scales: dict[int, float]  # window length in buckets -> score threshold


def _plan(step: pd.Timedelta, settings: DetectorSettings) -> _Plan:
    def buckets(delta: pd.Timedelta) -> int:
        return round(delta / step)

    day = max(1, buckets(pd.Timedelta(days=1)))
    week = max(1, buckets(pd.Timedelta(days=7)))
    # at least one neighbour each side: single past values are too noisy to compare against
    half = min(max(1, buckets(settings.span("slot_halfwidth"))), max(0, (day - 1) // 2))
    # single buckets need a margin more, unless a configured window is one bucket long
    scales = {1: settings.threshold + settings.single_margin}
    for i in range(len(settings.windows)):
        scales[max(1, buckets(settings.span(f"window{i}")))] = settings.threshold
    return _Plan(
        day=day,
        week=week,
        half=half,
        level=max(1, buckets(settings.span("level_window"))),
        dispersion=max(2, buckets(settings.span("dispersion_window"))),
        warmup=max(1, buckets(settings.span("warmup"))),
        cooldown=max(0, buckets(settings.span("cooldown")) - 1),
        protect=buckets(settings.span("protect")),
        burst=buckets(pd.Timedelta(hours=1)) if step <= _BURST_STEP else 0,
        burst_memory=buckets(settings.span("burst_memory")),
        burst_repeat=settings.burst_repeat,
        burst_ratio=settings.burst_ratio,
        scales=dict(sorted(scales.items())),
    )


def _expected(
    clean: np.ndarray, seasonal: np.ndarray, plan: _Plan, weeks: int
) -> tuple[np.ndarray, np.ndarray]:
    """Causal expected count per bucket (seasonal shape times trailing level), and the
    average count per bucket over the past week.

    clean: the history with incidents held at their expected values; seasonal: the same, but
    with incidents that recur at the same time of the week kept: a weekly pattern.
    """
    n = len(clean)
    week_sum, week_count = _past_sum(clean, plan.week)
    typical = np.divide(week_sum, week_count, out=np.zeros(n), where=week_count > 0)
    # Each past slot is averaged with its neighbours until it holds some mentions: the median
    # of near-empty slots is zero, and a quiet brand would look anomalous at every mention.
    with np.errstate(divide="ignore"):
        wanted = np.ceil(_SLOT_MENTIONS / (2.0 * typical))
    half = np.clip(np.nan_to_num(wanted, posinf=n), plan.half, max(plan.half, plan.day // 4))
    half = half.astype(np.int64)
    weekly, have_weeks = _lagged_median(_centred_mean(seasonal, half), plan.week, weeks)
    daily, have_days = _lagged_median(_centred_mean(clean, half), plan.day, 7)
    past, count = _past_sum(clean, n)
    running = np.divide(past, count, out=np.full(n, np.nan), where=count > 0)
    regime = np.where(have_weeks > 0, 2, np.where(have_days > 0, 1, 0))
    shape = np.choose(regime, [running, daily, weekly])
    shape = np.nan_to_num(shape, nan=0.0)
    # The level: what arrived over the trailing window against what the shape predicted,
    # over buckets whose shape came from the same estimator (the first days' shape knows no
    # weekends, and its errors must not carry into the second week). One mention of prior
    # keeps quiet brands from swinging on a single mention; too little to go on: no level.
    level = np.ones(n)
    for r in np.unique(regime):
        mine = regime == r
        got, _ = _past_sum(np.where(mine, clean, 0.0), plan.level)
        predicted, _ = _past_sum(np.where(mine, shape, 0.0), plan.level)
        seen, _ = _past_sum(mine.astype(float), plan.level)
        ratio = (got + 1.0) / (predicted + 1.0)
        level = np.where(mine & (seen >= plan.level / 4), ratio, level)
    expected = shape * level
    # A sparse brand's quiet hours have a median of zero; a few mentions there are not news.
    expected = np.maximum(expected, _FLOOR * typical)
    expected[0] = np.nan
    return expected, typical


def _rolling_median_before(x: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """Median of x[t-window .. t-1], ignoring NaN."""
    med = pd.Series(x).rolling(window, min_periods=min_periods).median().to_numpy()
    return np.concatenate(([np.nan], med[:-1]))


@dataclass
class _Scores:
    fire: np.ndarray  # bool: a test fires with its window ending at this bucket
    z1: np.ndarray  # single-bucket score
    tests: list[tuple[int, np.ndarray, np.ndarray]]  # (window, fires, score) per window
    # the accumulation test: fires, first bucket of its stretch, score (None when disabled)
    cusum: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def _dispersion(x: np.ndarray, mu: np.ndarray, plan: _Plan) -> dict[int, np.ndarray]:
    """Overdispersion phi per window length, from the windows before each bucket.

    On the square-root scale var(resid) = 1 + expected * phi; median(resid^2 / (1 + expected *
    phi)) is the chi-square median exactly when phi is the median of the per-window
    solutions, so a rolling median over past windows estimates it, and incidents, rare, do not
    move it. Measured once against the first-pass baseline: the noise level does not depend
    on which incidents are held out, and this saves a rolling median per pass.
    """
    phis = {}
    min_hist = max(plan.warmup // 2, 2)
    for w in plan.scales:
        exp = _trailing_sum(mu, w)
        resid = 2.0 * (np.sqrt(_trailing_sum(x, w) + 0.375) - np.sqrt(exp + 0.375))
        with np.errstate(divide="ignore", invalid="ignore"):
            each = np.where(
                exp > 0,
                (resid**2 / _CHI2_MEDIAN - 1.0) / exp,
                np.sign(resid**2 - _CHI2_MEDIAN) * 1e12,
            )
        each[np.isnan(resid)] = np.nan
        phis[w] = np.clip(_rolling_median_before(each, plan.dispersion, min_hist), 0.0, None)
    return phis


def _score(
    x: np.ndarray,
    mu: np.ndarray,
    typical: np.ndarray,
    phis: dict[int, np.ndarray],
    plan: _Plan,
    s: DetectorSettings,
) -> _Scores:
    """Every test (single buckets, then each window) at every bucket, and where it fires."""
    n = len(x)
    active = np.arange(n) >= plan.warmup
    fire = np.zeros(n, dtype=bool)
    tests: list[tuple[int, np.ndarray, np.ndarray]] = []
    z1 = np.zeros(n)
    for w, threshold in plan.scales.items():
        got = _trailing_sum(x, w)
        exp = _trailing_sum(mu, w)
        z = _tail_z(got, exp, phis[w])
        ok = (
            active
            & ~np.isnan(z)
            & (z >= threshold)
            & (got - exp >= s.min_excess)
            & (got >= (1.0 + s.min_ratio) * exp)
            & (got - exp >= s.min_share * w * typical)
        )
        fire |= ok
        tests.append((w, ok, z))
        if w == 1:
            z1 = np.nan_to_num(z, nan=0.0)
    cusum = _cusum(x, mu, typical, z1, active, phis, s) if s.cusum_threshold > 0 else None
    if cusum is not None:
        fire |= cusum[0]
    return _Scores(fire=fire, z1=z1, tests=tests, cusum=cusum)


def _tail_z(got: np.ndarray, exp: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Score of `got` against `exp`: noise deviations on the square-root scale, or, for small
    expected counts, the normal quantile of the exact upper tail P(X >= got).

    Where a brand expects a handful of mentions the square-root scale understates how rare a
    burst is (13 against 3 expected, Poisson: 3.6 there, 4.2 exactly), so quiet brands' real
    bursts were missed. The exact tail uses the same noise model: negative binomial with
    variance exp * (1 + exp * phi), Poisson when phi is zero.
    """
    from scipy.special import betainc, gammainc, ndtri

    with np.errstate(invalid="ignore"):
        z = 2.0 * (np.sqrt(got + 0.375) - np.sqrt(exp + 0.375)) / np.sqrt(1.0 + exp * phi)
        small = (exp < _EXACT_BELOW) & (got > exp) & (exp > 0) & ~np.isnan(z) & ~np.isnan(phi)
    if not small.any():
        return z
    g, m, f = got[small], exp[small], phi[small]
    with np.errstate(divide="ignore", invalid="ignore"):
        negbin = betainc(g, 1.0 / np.maximum(f, 1e-12), m * f / (1.0 + m * f))
    tail = np.where(f > 1e-9, negbin, gammainc(g, m))
    z[small] = np.clip(-ndtri(np.clip(tail, 1e-300, 1.0)), z[small], 40.0)
    return z


def _cusum(
    x: np.ndarray,
    mu: np.ndarray,
    typical: np.ndarray,
    z1: np.ndarray,
    active: np.ndarray,
    phis: dict[int, np.ndarray],
    s: DetectorSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A one-sided CUSUM of single-bucket scores: a broad, moderate rise (each bucket one or
    two deviations up, for hours) adds up here long before any fixed window notices it.

    S_t = max(0, S_{t-1} + min(z_t, cap) - drift) is C_t - min_{j<=t} C_j for the cumulative
    sum C, so it is computed without a loop; its stretch starts after the last minimum.
    Capping each bucket's contribution leaves lone outliers to the single-bucket test. The
    stretch is then tested like a window of its own length (overdispersion of the nearest
    configured window, so correlated chatter does not add up to an alarm) and must pass the
    same score and excess guards: the accumulation picks the span, the window test decides.
    """
    n = len(x)
    gain = np.where(active, np.minimum(z1, s.threshold + s.single_margin) - s.cusum_drift, 0.0)
    c = np.concatenate(([0.0], np.cumsum(gain)))
    low = np.minimum.accumulate(c)
    idx = np.arange(n + 1)
    last_low = np.maximum.accumulate(np.where(c <= low, idx, 0))
    stat = c[1:] - low[1:]
    start = last_low[1:]  # first bucket of the stretch (C index i is "before bucket i")
    length = np.arange(n) - start + 1
    cx = np.concatenate(([0.0], np.cumsum(x)))
    cm = np.concatenate(([0.0], np.cumsum(np.nan_to_num(mu))))
    ct = np.concatenate(([0.0], np.cumsum(typical)))
    ends = np.arange(n) + 1
    got, exp = cx[ends] - cx[start], cm[ends] - cm[start]
    share = ct[ends] - ct[start]
    lengths = np.array(sorted(phis))
    spans = np.maximum(length, 1)[:, None] / lengths[None, :]
    nearest = lengths[np.argmin(np.abs(np.log(spans)), axis=1)]
    shortest = min((w for w in phis if w > 1), default=1)
    phi = np.choose(np.searchsorted(lengths, nearest), [phis[w] for w in lengths])
    z = _tail_z(got, exp, phi)
    ok = (
        active
        & (z >= s.threshold)
        & (length >= shortest)  # broad rises; short bursts are the windows' business
        & (z1 > s.member_z)  # reported on a bucket that is itself up, not on the way down
        & (stat >= s.cusum_threshold)
        & (got - exp >= s.min_excess)
        & (got >= (1.0 + s.min_ratio) * exp)
        & (got - exp >= s.min_share * share)
    )
    # Once up, the accumulation stays up long after the excess is gone: only the first bucket
    # of each run above the threshold that passes the guards is reported; the windows and
    # single buckets give the incident its extent.
    high = stat >= s.cusum_threshold
    run = np.cumsum(high & ~np.concatenate(([False], high[:-1])))
    firsts = np.zeros(n, dtype=bool)
    _, where = np.unique(run[ok], return_index=True)
    firsts[np.flatnonzero(ok)[where]] = True
    ok = firsts
    return ok, start, z


def _extent(scores: _Scores, member_z: float) -> tuple[np.ndarray, np.ndarray]:
    """Which buckets carry the excess that made each test fire, and the score they share.

    A window fires at its last bucket, but its excess may sit anywhere inside it; for a
    firing window the incident gets the stretch inside it with the largest summed
    `z1 - member_z` (a maximum-sum segment). After an incident the longer windows keep
    firing on its excess for hours, and this points them back at it instead of stretching
    the incident over the noise that follows.
    """
    n = len(scores.z1)
    # Capping what one bucket adds at about what one quiet bucket costs means a quiet gap is
    # bridged only by a later burst longer than the gap: separate waves stay separate.
    gain = np.minimum(scores.z1 - member_z, max(member_z, 1.0))
    prefix = np.concatenate(([0.0], np.cumsum(gain)))
    marks = np.zeros(n + 1, dtype=np.int64)
    best = np.full(n, -np.inf)
    for w, ok, z in scores.tests:
        ends = np.flatnonzero(ok)
        if ends.size == 0:
            continue
        if w == 1:
            first = last = ends
        else:
            # prefix sums over each window [t-w+1, t]: column k is the sum before bucket t-w+1+k
            sums = prefix[ends[:, None] + np.arange(-w + 1, 2)]
            lowest = np.minimum.accumulate(sums[:, :-1], axis=1)
            k_end = np.argmax(sums[:, 1:] - lowest, axis=1)
            before = np.where(np.arange(w) <= k_end[:, None], sums[:, :-1], np.inf)
            k_start = w - 1 - np.argmin(before[:, ::-1], axis=1)  # last minimum: tightest
            first, last = ends - w + 1 + k_start, ends - w + 1 + k_end
        np.add.at(marks, first, 1)
        np.add.at(marks, last + 1, -1)
        np.maximum.at(best, last, z[ends])
    if scores.cusum is not None:
        ok, _, z = scores.cusum
        ends = np.flatnonzero(ok)
        marks[ends] += 1
        marks[ends + 1] -= 1
        np.maximum.at(best, ends, z[ends])
    return np.cumsum(marks[:-1]) > 0, best


def _protected(fired: np.ndarray, plan: _Plan) -> np.ndarray:
    """Fired buckets less than `protect` after the start of their incident (causal)."""
    marked = np.flatnonzero(fired)
    young = np.zeros(len(fired), dtype=bool)
    if marked.size:
        runs = _runs(marked, plan.cooldown)
        starts = np.repeat([run[0] for run in runs], [len(run) for run in runs])
        young[marked] = marked - starts < plan.protect
    return young


def _fired_week_before(fired: np.ndarray, plan: _Plan) -> np.ndarray:
    """Whether something fired within `half` buckets of the same slot one week earlier."""
    n = len(fired)
    cs = np.concatenate(([0], np.cumsum(fired)))
    j = np.arange(n)
    lo = np.clip(j - plan.week - plan.half, 0, n)
    hi = np.clip(j - plan.week + plan.half + 1, 0, n)
    return cs[hi] > cs[lo]


def _outages(x: np.ndarray, seen: np.ndarray, plan: _Plan) -> np.ndarray:
    """Buckets of a stretch of an hour or more without rows in which the series had at least
    _OUTAGE_MENTIONS mentions over the same hours a week earlier (a day earlier in its first
    week): missing data, not silence.

    Exports often leave zero buckets out, so a short gap (or any gap on a quiet brand, or
    at night) is zeros; but a busy series with no row for a day was not silent for a day,
    and counting it as zeros would drag its level down and make the next days look like an
    incident. The one place the detector looks ahead: a stretch is judged on its whole
    length, so a gap still going on turns from zeros into an outage as it grows.
    """
    unseen = ~seen
    if not unseen.any():
        return unseen
    n = len(x)
    t = np.arange(n)
    before = np.where(t >= plan.week, t - plan.week, np.where(t >= plan.day, t - plan.day, -1))
    usual = np.where(before >= 0, x[np.maximum(before, 0)], 0.0)
    first = unseen & ~np.concatenate(([False], unseen[:-1]))
    run = np.cumsum(first) * unseen
    expected = np.bincount(run, weights=usual * unseen)
    length = np.bincount(run)
    hour = max(1, round(plan.day / 24))
    return unseen & (expected[run] >= _OUTAGE_MENTIONS) & (length[run] >= hour)


def _flags(
    x: np.ndarray, plan: _Plan, s: DetectorSettings, missing: np.ndarray
) -> tuple[_Scores, np.ndarray]:
    """Iterate baseline -> tests -> held-out history to the fixed point of the causal loop.

    The history a baseline at t reads depends on which earlier buckets fired, which depends
    on their own baselines: every pass settles at least the earliest disagreeing bucket, and
    in practice four to six passes reach the fixed point (which buckets fire stops changing
    after two or three; the held values then converge geometrically).

    Missing buckets (outages) are held at their expected values like an incident's, starting
    from the average of the day before the outage, and are never tested.
    """
    observed = x
    if missing.any():
        first = missing & ~np.concatenate(([False], missing[:-1]))
        run = np.cumsum(first) * missing
        day, _ = _past_sum(x, plan.day)
        start_fill = np.zeros(run.max() + 1)
        start_fill[run[first]] = day[first] / plan.day
        observed = np.where(missing, start_fill[run], x)
    x = clean = seasonal = observed
    phis: dict[int, np.ndarray] = {}
    for _ in range(_MAX_PASSES):
        mu, typical = _expected(clean, seasonal, plan, s.season_weeks)
        expected = np.nan_to_num(mu)
        if missing.any():
            x = np.where(missing, expected, observed)
        # outages say nothing about the noise: they stay out of its estimate
        phis = phis or _dispersion(np.where(missing, np.nan, x), mu, plan)
        scores = _score(x, mu, typical, phis, plan, s)
        held = _protected(scores.fire, plan) | missing
        # what fired at this time last week too is a weekly pattern (a show, a newsletter),
        # to be learned rather than held out
        held_out = (held & ~_fired_week_before(scores.fire, plan)) | missing
        settled = np.allclose(np.where(held, expected, x), clean, rtol=1e-4, atol=1e-6)
        settled &= np.allclose(np.where(held_out, expected, x), seasonal, rtol=1e-4, atol=1e-6)
        if settled:
            break
        clean = np.where(held, expected, x)
        seasonal = np.where(held_out, expected, x)
    return scores, mu


def detect(
    series: pd.Series, freq: str | None = None, settings: DetectorSettings = DEFAULT_SETTINGS
) -> list[Incident]:
    """Incidents of abnormally high volume in a count series, oldest first.

    series: values indexed by timestamps (tz-aware; naive ones are taken as UTC), in any
    order; missing buckets count as zero (but see `_outages`) and values falling in the same
    bucket are added.
    freq: bucket size like "5min" or "1h"; by default the most common spacing in the data.
    Buckets start at the first timestamp, so reported times line up with the input's; rows a
    few seconds off a regular export's grid are placed on it (see `_snap`).
    """
    grid = _grid(series, freq)
    if grid is None:
        return []
    origin, step, x, _, seen = grid
    plan = _plan(step, settings)
    scores, mu = _flags(x, plan, settings, _outages(x, seen, plan))
    members, best = _extent(scores, settings.member_z)
    return _incidents(x, mu, members, best, origin, step, plan)


def _runs(marked: np.ndarray, gap: int) -> list[np.ndarray]:
    """Split sorted bucket indices where more than `gap` unmarked buckets separate them."""
    if marked.size == 0:
        return []
    return np.split(marked, np.flatnonzero(np.diff(marked) - 1 > gap) + 1)


def _usual_bursts(excess: np.ndarray, groups: list[np.ndarray], plan: _Plan) -> list[np.ndarray]:
    """The groups left once the usual bursts of a bursty series are set aside.

    A group is burst-shaped when its biggest bucket carries at least a third of the group's
    excess and `burst_ratio` times that of any other bucket within `burst` buckets (an hour)
    of it: one bucket way up, its neighbours about normal. One is set aside when at least
    `burst_repeat` burst-shaped groups started in the `burst_memory` before it and its peak
    excess is less than _BURST_MARGIN times the largest of theirs: the series flares up
    often, and this flare is no bigger than its recent ones. Causal: only earlier groups
    count, and a rise that goes on is not burst-shaped once its next buckets are in.
    """
    if plan.burst < 1 or plan.burst_repeat < 1 or not groups:
        return groups
    positive = np.maximum(np.nan_to_num(excess), 0.0)
    n = len(positive)
    shaped, starts, peaks = [], [], []
    for group in groups:
        peak = int(group[np.argmax(positive[group])])
        near = positive[max(0, peak - plan.burst) : min(n, peak + plan.burst + 1)].copy()
        near[peak - max(0, peak - plan.burst)] = 0.0
        total = float(positive[int(group[0]) : int(group[-1]) + 1].sum())
        alone = plan.burst_ratio * float(np.max(near)) <= positive[peak]
        shaped.append(positive[peak] > 0 and alone and 3.0 * positive[peak] >= total)
        starts.append(int(group[0]))
        peaks.append(float(positive[peak]))
    kept = []
    recent: deque[tuple[int, float]] = deque()  # earlier bursts in the memory: (start, peak)
    for group, burst, start, peak in zip(groups, shaped, starts, peaks, strict=True):
        while recent and start - recent[0][0] > plan.burst_memory:
            recent.popleft()
        usual = len(recent) >= plan.burst_repeat and peak < _BURST_MARGIN * max(
            (p for _, p in recent), default=0.0
        )
        if burst:
            recent.append((start, peak))
            if usual:
                continue
        kept.append(group)
    return kept


def _incidents(
    x: np.ndarray,
    mu: np.ndarray,
    members: np.ndarray,
    best: np.ndarray,
    origin: pd.Timestamp,
    step: pd.Timedelta,
    plan: _Plan,
) -> list[Incident]:
    excess = x - np.nan_to_num(mu)
    groups = _runs(np.flatnonzero(members), plan.cooldown)
    incidents = []
    for group in _usual_bursts(excess, groups, plan):
        first, last = int(group[0]), int(group[-1])
        peak = group[int(np.argmax(excess[group]))]
        incidents.append(
            Incident(
                start=(origin + first * step).to_pydatetime(),
                end=(origin + (last + 1) * step).to_pydatetime(),
                peak=(origin + int(peak) * step).to_pydatetime(),
                peak_value=float(x[peak]),
                baseline=float(np.nan_to_num(mu[peak])),
                score=float(np.max(best[group])),
            )
        )
    return incidents


def detect_file(
    path: Path, freq: str | None = None, settings: DetectorSettings = DEFAULT_SETTINGS
) -> list[dict[str, Any]]:
    """`vigie detect-spikes FILE.csv`: read the series, detect, return JSON-ready incidents."""
    return [incident.as_dict() for incident in detect(read_series(path), freq, settings)]


def detect_share(
    part: pd.Series,
    whole: pd.Series,
    freq: str | None = None,
    settings: DetectorSettings = DEFAULT_SETTINGS,
    min_rise: float = 0.2,
) -> list[Incident]:
    """Incidents where `part` is an abnormally high share of `whole` (negative mentions among
    all mentions): the tone turns while the volume stays flat, which no count test sees.

    The usual share is the trailing week's (causal, one mention of prior either way, held at
    its pre-incident value for `protect` while the share stays high); each bucket and each
    window is tested with the exact binomial tail of its part against its whole. A test fires
    when its score passes `threshold`, the share rose by at least `min_rise` (absolute), and
    the part exceeds its expected count by `min_excess` / 2 (shares of tiny wholes are noise).
    peak_value is the share at the peak bucket, baseline the usual share there.
    """
    from scipy.special import betainc, ndtri

    grid = _grid(whole, freq)
    if grid is None:
        return []
    origin, step, total, snap, _ = grid
    index = _utc_index(part)
    offsets = (_positions(index.asi8, snap) - origin.value) // step.value
    keep = (offsets >= 0) & (offsets < len(total))
    neg = np.bincount(offsets[keep], weights=part.to_numpy(float)[keep], minlength=len(total))[
        : len(total)
    ]
    neg = np.minimum(neg, total)
    plan = _plan(step, settings)
    n = len(total)
    past_neg, _ = _past_sum(neg, plan.week)
    past_all, _ = _past_sum(total, plan.week)
    usual = (past_neg + 0.5) / (past_all + 1.0)
    active = np.arange(n) >= plan.warmup
    fire = np.zeros(n, dtype=bool)
    best = np.full(n, -np.inf)  # per bucket: the best score of a test it belongs to
    for _ in range(_MAX_PASSES):  # hold the usual share while an incident lasts
        marks = np.zeros(n + 1, dtype=np.int64)
        fired = np.zeros(n, dtype=bool)
        best = np.full(n, -np.inf)
        with np.errstate(invalid="ignore", divide="ignore"):
            # a bucket is part of an incident when its share is up by at least one mention
            up = (neg - total * usual >= 1.0) & (neg / np.maximum(total, 1) >= usual + min_rise / 2)
        for w, threshold in plan.scales.items():
            k, m = _trailing_sum(neg, w), _trailing_sum(total, w)
            p = np.clip(usual, 1e-6, 1 - 1e-6)
            with np.errstate(invalid="ignore", divide="ignore"):
                tail = np.where(k > 0, betainc(np.maximum(k, 1e-9), m - k + 1, p), 1.0)
                z = -ndtri(np.clip(tail, 1e-300, 1.0))
                share = k / m
            ok = (
                active
                & (m > 0)
                & (z >= threshold)
                & (share >= p + min_rise)
                & (k - m * p >= settings.min_excess / 2)
            )
            ends = np.flatnonzero(ok)
            # a window's incident is its buckets whose own share is up, not all of it
            for back in range(w):
                inside = ends - back
                keep = (inside >= 0) & up[np.maximum(inside, 0)]
                marks[inside[keep]] += 1
                marks[inside[keep] + 1] -= 1
                np.maximum.at(best, inside[keep], z[ends[keep]])
            fired |= ok
        members = np.cumsum(marks[:-1]) > 0
        held = _protected(fired, plan)
        # the share an incident's buckets are compared with stays the one before it
        frozen = usual.copy()
        for run in _runs(np.flatnonzero(held), plan.cooldown):
            frozen[run] = usual[run[0]]
        if np.array_equal(members, fire):
            break
        fire, usual = members, np.where(held, frozen, usual)
    incidents = []
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, neg / total, 0.0)
    for group in _runs(np.flatnonzero(fire), plan.cooldown):
        first, last = int(group[0]), int(group[-1])
        peak = group[int(np.argmax(shares[group] - usual[group]))]
        incidents.append(
            Incident(
                start=(origin + first * step).to_pydatetime(),
                end=(origin + (last + 1) * step).to_pydatetime(),
                peak=(origin + int(peak) * step).to_pydatetime(),
                peak_value=float(shares[peak]),
                baseline=float(usual[peak]),
                score=float(np.max(best[group][np.isfinite(best[group])], initial=0.0)),
            )
        )
    return incidents
