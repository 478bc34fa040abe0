"""Spike detector: finds injected incidents where they are, stays quiet on seasonal noise,
trends, level shifts and quiet brands, and reads `timestamp,value` files with clear errors."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.errors import ConfigError, InputError
from pipelines.spikes import (
    DetectorSettings,
    Incident,
    detect,
    detect_file,
    detect_share,
    read_series,
)

START = pd.Timestamp("2026-03-02", tz="UTC")  # a Monday


def seasonal_rate(
    weeks: int, level: float, freq: str = "5min", trend: float = 0.0
) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Expected counts with a daily cycle (peak mid-afternoon), quiet weekends, a trend."""
    step = pd.Timedelta(freq)
    per_day = round(pd.Timedelta("1D") / step)
    t = np.arange(weeks * 7 * per_day)
    hour = (t % per_day) * 24 / per_day
    rate = level * np.exp(0.8 * np.cos(2 * np.pi * (hour - 15) / 24))
    rate *= np.where((t // per_day) % 7 >= 5, 0.6, 1.0)
    rate *= np.exp(trend * t / len(t))
    return rate, pd.date_range(START, periods=len(t), freq=step)


def draw(rate: np.ndarray, index: pd.DatetimeIndex, seed: int, k: float | None = None) -> pd.Series:
    """Overdispersed counts: negative binomial (gamma-Poisson) with chatter on the rate.

    k is the gamma shape per bucket: 8 for 5-minute buckets, 24 for hourly ones (an hour adds
    up twelve 5-minute buckets, which averages part of their extra variance out).
    """
    rng = np.random.default_rng(seed)
    k = k or (8.0 if index.freq == pd.Timedelta("5min") else 24.0)
    rate = rate * np.exp(rng.normal(0, 0.15, len(rate))) * rng.gamma(k, 1 / k, len(rate))
    return pd.Series(rng.poisson(rate).astype(float), index=index)


def at(index: pd.DatetimeIndex, day: int, hour: float) -> int:
    return int(index.get_loc(START + pd.Timedelta(days=day, hours=hour)))


def overlapping(incidents: list[Incident], start: pd.Timestamp, end: pd.Timestamp):
    return [i for i in incidents if i.start < end and i.end > start]


# --------------------------------------------------------------------------- detection


def test_injected_incidents_are_found_with_start_end_and_peak_in_place() -> None:
    rate, index = seasonal_rate(weeks=4, level=10.0)
    plateau = at(index, 16, 13)  # Wednesday 13:00, busy hours: 2 h at +4x
    rate[plateau : plateau + 24] += 4 * rate[plateau : plateau + 24]
    spike = at(index, 23, 3)  # Tuesday 03:00, at night: sharp rise, 20-minute half-life
    rate[spike : spike + 24] += 80 * 0.5 ** (np.arange(24) / 4)
    series = draw(rate, index, seed=1)

    incidents = detect(series)

    assert len(incidents) == 2, incidents
    first, second = incidents
    assert abs(first.start - index[plateau]) <= pd.Timedelta("10min")
    assert abs(first.end - index[plateau + 24]) <= pd.Timedelta("30min")
    assert index[plateau] <= first.peak < index[plateau + 24]
    assert first.peak_value > 3 * first.baseline
    assert abs(second.start - index[spike]) <= pd.Timedelta("5min")
    assert index[spike] <= second.end <= index[spike + 24]
    assert index[spike] <= second.peak <= index[spike + 5]  # noise may move it a little
    assert first.score >= 4 and second.score >= 4


def test_a_slow_building_incident_is_caught_by_the_longer_windows() -> None:
    rate, index = seasonal_rate(weeks=4, level=20.0)
    onset = at(index, 17, 6)
    ramp = np.linspace(0, 1.5, 144)  # six hours up to +150 %, then it stays for two hours
    rate[onset : onset + 144] *= 1 + ramp
    rate[onset + 144 : onset + 168] *= 2.5
    series = draw(rate, index, seed=2)

    incidents = detect(series)

    assert len(incidents) == 1, incidents
    found = incidents[0]
    assert index[onset] <= found.start < index[onset + 144]
    assert found.end > index[onset + 144]


@pytest.mark.parametrize(("freq", "level"), [("5min", 20.0), ("5min", 1.5), ("1h", 30.0)])
def test_pure_seasonal_noise_raises_at_most_one_alarm_in_six_weeks_on_average(
    freq: str, level: float
) -> None:
    rate, index = seasonal_rate(weeks=6, level=level, freq=freq)
    alarms = [len(detect(draw(rate, index, seed=seed))) for seed in (3, 4, 5, 6)]
    assert sum(alarms) <= len(alarms), alarms


def test_a_plain_poisson_test_would_fire_on_this_noise() -> None:
    """Guards the previous test: the noise really is overdispersed beyond Poisson."""
    rate, index = seasonal_rate(weeks=6, level=20.0)
    series = draw(rate, index, seed=3)
    z = (series.to_numpy() - rate) / np.sqrt(rate)
    assert (z > 5).sum() > 20


def test_a_trend_does_not_fire() -> None:
    for trend, seed in ((np.log(3), 5), (-np.log(3), 6)):  # volume triples, or falls to a third
        rate, index = seasonal_rate(weeks=6, level=10.0, trend=trend)
        assert detect(draw(rate, index, seed=seed)) == []
        # and over more noise, no more alarms than flat noise raises (one in six weeks)
        alarms = [len(detect(draw(rate, index, seed=seed + 10 * k))) for k in range(1, 5)]
        assert sum(alarms) <= len(alarms), alarms


def test_a_moderate_lasting_level_shift_raises_at_most_one_alarm() -> None:
    """Against the same noise without the shift: the level catches up, no stream of alarms."""
    rate, index = seasonal_rate(weeks=5, level=10.0)
    shifted = rate.copy()
    shifted[at(index, 18, 10) :] *= 1.4  # +40 % for good: below min_ratio
    for seed in (7, 17, 27):
        with_shift, without = detect(draw(shifted, index, seed)), detect(draw(rate, index, seed))
        assert len(with_shift) <= len(without) + 1, with_shift


def test_a_weekly_recurring_peak_is_learned_after_its_first_weeks() -> None:
    """It is news the first time; once it has come back at the same time, it is a pattern."""
    rate, index = seasonal_rate(weeks=6, level=10.0)
    for week in range(6):
        show = at(index, 7 * week + 3, 20)  # every Thursday 20:00-22:00
        rate[show : show + 24] *= 2.5
    for seed in (8, 18):
        incidents = detect(draw(rate, index, seed=seed))
        assert all(i.start < START + pd.Timedelta(days=21) for i in incidents), incidents


def test_a_quiet_brand_does_not_fire_on_zero_one_two() -> None:
    rate, index = seasonal_rate(weeks=4, level=0.05)  # about fifteen mentions a day
    series = draw(rate, index, seed=9)
    starts = [at(index, day, hour) for day, hour in ((9, 3), (15, 14), (22, 20))]
    for start in starts:  # 0 -> 1 -> 2 -> 2 -> 1 -> 0, by night, day and evening
        series.iloc[start : start + 6] = [0, 1, 2, 2, 1, 0]
    assert series.max() <= 3
    assert detect(series) == []
    hourly = series.groupby(series.index.floor("1h")).sum()
    assert detect(hourly) == []
    for seed in (19, 29, 39):  # other noise: whatever else fires, not these
        series = draw(rate, index, seed=seed)
        for start in starts:
            series.iloc[start : start + 6] = [0, 1, 2, 2, 1, 0]
        for start in starts:
            assert not overlapping(detect(series), index[start], index[start + 6])


def test_a_quiet_brand_still_fires_on_a_real_burst() -> None:
    rate, index = seasonal_rate(weeks=4, level=0.05)
    series = draw(rate, index, seed=9)
    burst = at(index, 20, 11)
    series.iloc[burst : burst + 12] += 4  # 48 mentions in an hour, against ~0.1 per bucket
    (incident,) = detect(series)
    assert index[burst] <= incident.start < index[burst + 12]


def test_consecutive_anomalous_buckets_and_short_dips_form_one_incident() -> None:
    rate, index = seasonal_rate(weeks=3, level=10.0)
    onset = at(index, 16, 12)
    rate[onset : onset + 36] *= 5  # three hours at 5x...
    rate[onset + 12 : onset + 15] /= 5  # ...with a 15-minute dip back to normal
    (incident,) = detect(draw(rate, index, seed=10))
    assert abs(incident.start - index[onset]) <= pd.Timedelta("10min")
    assert abs(incident.end - index[onset + 36]) <= pd.Timedelta("20min")


def test_cooldown_keeps_a_second_wave_in_the_same_incident() -> None:
    rate, index = seasonal_rate(weeks=3, level=10.0)
    first, second, later = at(index, 15, 10), at(index, 15, 14), at(index, 18, 10)
    for onset in (first, second, later):  # waves 3 h apart, then one three days later
        rate[onset : onset + 12] *= 6
    series = draw(rate, index, seed=11)

    merged = detect(series)
    assert len(merged) == 2, merged
    assert merged[0].start <= index[first + 2] and merged[0].end >= index[second + 10]

    apart = detect(series, settings=DetectorSettings(cooldown="1h"))
    assert len(apart) == 3, apart
    assert [len(overlapping(apart, index[o], index[o + 12])) for o in (first, second)] == [1, 1]


def test_a_long_incident_does_not_become_its_own_baseline() -> None:
    """Without protection, the next day's level and next week's slot would both absorb it."""
    rate, index = seasonal_rate(weeks=3, level=10.0)
    onset = at(index, 8, 6)
    rate[onset : onset + 192] *= 3  # sixteen hours at 3x, 06:00 to 22:00
    follow_ups = [at(index, 9, 12), at(index, 15, 12)]  # the next day; a week later
    for start in follow_ups:
        rate[start : start + 36] *= 3  # three hours at 3x
    incidents = detect(draw(rate, index, seed=12))
    assert len(incidents) == 3, incidents
    long_one = incidents[0]
    assert index[onset] <= long_one.start <= index[onset + 24]
    assert long_one.end >= index[onset + 168]  # still anomalous in its last two hours
    for start, incident in zip(follow_ups, incidents[1:], strict=True):
        assert index[start] <= incident.start <= index[start + 24]


def test_detection_is_causal() -> None:
    """Incidents found on history do not change when more data arrives."""
    rate, index = seasonal_rate(weeks=4, level=10.0)
    onsets = [at(index, day, 12) for day in (9, 16, 24)]
    for onset in onsets:
        rate[onset : onset + 24] *= 4
    series = draw(rate, index, seed=13)
    cut = at(index, 20, 0)
    settled = START + pd.Timedelta(days=19)
    full = [i for i in detect(series) if i.end < settled]
    prefix = [i for i in detect(series.iloc[:cut]) if i.end < settled]
    assert [(i.start, i.end, i.peak, i.peak_value) for i in full] == [
        (i.start, i.end, i.peak, i.peak_value) for i in prefix
    ]
    # the baselines agree to the tolerance the vectorised fixed point is solved to
    assert [i.baseline for i in full] == pytest.approx([i.baseline for i in prefix], rel=1e-3)
    assert all(overlapping(prefix, index[o], index[o + 24]) for o in onsets[:2])


def test_hourly_series_with_an_incident() -> None:
    rate, index = seasonal_rate(weeks=5, level=40.0, freq="1h")
    onset = at(index, 26, 13)
    rate[onset : onset + 3] *= 4
    (incident,) = detect(draw(rate, index, seed=14))
    assert abs(incident.start - index[onset]) <= pd.Timedelta("1h")
    assert abs(incident.end - index[onset + 3]) <= pd.Timedelta("1h")
    assert index[onset] <= incident.peak < index[onset + 3]


def test_time_handling_gaps_order_and_unaligned_timestamps() -> None:
    rate, index = seasonal_rate(weeks=3, level=10.0)
    onset = at(index, 16, 12)
    rate[onset : onset + 12] *= 5
    series = draw(rate, index, seed=15)
    # timestamps a few seconds off the clock, like real exports; reported times follow them
    shifted = series.copy()
    shifted.index = series.index + pd.Timedelta(seconds=173)
    (incident,) = detect(shifted)
    assert (incident.start - shifted.index[0]) % pd.Timedelta("5min") == pd.Timedelta(0)
    assert abs(incident.start - shifted.index[onset]) <= pd.Timedelta("10min")
    # zero rows left out, rows shuffled, another time zone: the same incident
    sparse = shifted[shifted > 0].sample(frac=1.0, random_state=1)
    sparse.index = sparse.index.tz_convert("Europe/Paris")
    assert detect(sparse, freq="5min") == [incident]
    assert incident.start.tzinfo is not None and incident.start.utcoffset().total_seconds() == 0


def test_several_weeks_of_five_minute_data_take_well_under_a_second() -> None:
    rate, index = seasonal_rate(weeks=5, level=10.0)
    series = draw(rate, index, seed=16).iloc[:10_000]
    detect(series)
    began = time.perf_counter()
    detect(series)
    assert time.perf_counter() - began < 0.5


def test_empty_and_single_point_series_have_no_incident() -> None:
    assert detect(pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC"))) == []
    assert detect(pd.Series([3.0], index=pd.DatetimeIndex([START]))) == []


def test_bad_series_and_settings_are_refused() -> None:
    index = pd.date_range(START, periods=3, freq="1h")
    with pytest.raises(InputError, match="negative"):
        detect(pd.Series([1.0, -1.0, 2.0], index=index))
    with pytest.raises(InputError, match="freq"):
        detect(pd.Series([1.0, 1.0, 2.0], index=index), freq="often")
    with pytest.raises(ConfigError, match="cooldown"):
        DetectorSettings(cooldown="a while")
    with pytest.raises(ConfigError, match="threshold"):
        DetectorSettings(threshold=-1)
    with pytest.raises(ConfigError, match="cusum_drift"):
        DetectorSettings(cusum_drift=float("nan"))


# --------------------------------------------------------------------------- small counts, CUSUM


def test_small_expected_counts_are_scored_on_their_exact_tail() -> None:
    """13 mentions where 3 are expected: the square-root scale says 3.6 deviations (2.9 with
    overdispersion 0.2); the Poisson tail P(X >= 13) = 1.4e-5 is 4.2, the negative binomial's
    3.0. Large expected counts keep the square-root score."""
    from pipelines.spikes import _tail_z

    got, exp = np.array([13.0, 13.0, 130.0]), np.array([3.0, 3.0, 60.0])
    z = _tail_z(got, exp, np.array([0.0, 0.2, 0.0]))
    assert z[0] == pytest.approx(4.16, abs=0.02)
    assert z[1] == pytest.approx(3.02, abs=0.02)
    assert z[2] == pytest.approx(2 * (np.sqrt(130.375) - np.sqrt(60.375)), abs=1e-9)


def test_the_accumulation_finds_broad_rises_single_buckets_miss() -> None:
    """Ten hours at three times the usual on a quiet brand: with no windows configured, the
    single-bucket test misses some of them; the CUSUM-picked span catches every one."""
    caught = {True: 0, False: 0}
    for seed in (8, 9, 10, 11):
        rate, index = seasonal_rate(weeks=4, level=1.0)
        onset = at(index, 22, 9)
        rate[onset : onset + 120] *= 3.0
        series = draw(rate, index, seed=seed)
        for cusum in (True, False):
            settings = DetectorSettings(windows=(), cusum_threshold=8.0 if cusum else 0.0)
            found = overlapping(detect(series, settings=settings), index[onset], index[onset + 120])
            caught[cusum] += bool(found)
    assert caught[True] == 4
    assert caught[False] < caught[True]


def test_negative_share_turns_with_flat_volume() -> None:
    rate, index = seasonal_rate(weeks=3, level=40.0, freq="1h")
    rng = np.random.default_rng(3)
    total = pd.Series(rng.poisson(rate).astype(float), index=index)
    share = np.full(len(index), 0.1)
    onset = at(index, 17, 13)
    share[onset : onset + 4] = 0.5
    negative = pd.Series(rng.binomial(total.astype(int), share).astype(float), index=index)

    [incident] = detect_share(negative, total, "1h")

    assert abs(incident.start - index[onset]) <= pd.Timedelta("1h")
    assert abs(incident.end - index[onset + 4]) <= pd.Timedelta("1h")
    assert incident.peak_value > 0.35 and incident.baseline < 0.15
    steady = pd.Series(rng.binomial(total.astype(int), 0.1).astype(float), index=index)
    assert detect_share(steady, total, "1h") == []


# --------------------------------------------------------------------------- output and files


def test_as_dict_is_json_with_iso_times() -> None:
    moment = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    incident = Incident(moment, moment, moment, 42.0, 10.123456, 7.891)
    data = incident.as_dict()
    assert set(data) == {"start", "end", "peak", "peak_value", "baseline", "score"}
    assert data["start"] == "2026-03-02T14:00:00+00:00"
    assert json.loads(json.dumps(data)) == data
    assert datetime.fromisoformat(data["peak"]) == moment


def write_csv(path: Path, series: pd.Series) -> Path:
    lines = ["timestamp,value"] + [f"{t:%Y-%m-%dT%H:%M:%SZ},{v:g}" for t, v in series.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_detect_file_end_to_end(tmp_path: Path) -> None:
    rate, index = seasonal_rate(weeks=3, level=10.0)
    onset = at(index, 17, 15)
    rate[onset : onset + 12] *= 5
    path = write_csv(tmp_path / "negative.csv", draw(rate, index, seed=17))
    (found,) = detect_file(path)
    assert found["start"] == index[onset].isoformat()
    assert json.loads(json.dumps(found)) == found


def test_read_series_accepts_offsets_naive_utc_and_epochs(write) -> None:
    iso = read_series(
        write(
            "iso.csv",
            "Timestamp, Value\n2026-03-02T10:00:00+01:00,3\n2026-03-02 09:05:00,4.5\n\n"
            "2026-03-02T09:10:00Z,0\n",
        )
    )
    assert list(iso.index) == list(
        pd.date_range("2026-03-02 09:00", periods=3, freq="5min", tz="UTC")
    )
    assert list(iso) == [3.0, 4.5, 0.0]
    seconds = read_series(write("s.csv", "timestamp,value\n1772442000,1\n1772442300,2\n"))
    millis = read_series(write("ms.csv", "timestamp,value\n1772442000000,1\n1772442300000,2\n"))
    assert list(seconds.index) == list(millis.index)
    assert seconds.index[0] == pd.Timestamp("2026-03-02 09:00", tz="UTC")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("time,value\n2026-03-02T09:00Z,1\n", r"line 1: missing column timestamp"),
        ("timestamp\n2026-03-02T09:00Z\n", r"line 1: missing column value"),
        ("timestamp,value\n2026-03-02T09:00Z,1\nyesterday,2\n", r"line 3: timestamp 'yesterday'"),
        (
            "timestamp,value\n2026-03-02T09:00Z,1\n\n2026-03-02T09:05Z,many\n",
            r"line 4: value 'many'",
        ),
        ("timestamp,value\n2026-03-02T09:00Z,-3\n", r"line 2: value '-3' is negative"),
        ("timestamp,value\n2026-03-02T09:00Z,\n", r"line 2: value '' is not a number"),
        ("timestamp,value\n2026-03-02T09:00Z,1,5\n", r"line 2: expected 2 fields, got 3"),
        ("timestamp,value\n", r"no data rows"),
        ("", r"empty file"),
    ],
)
def test_read_series_errors_name_the_file_and_line(write, content: str, expected: str) -> None:
    path = write("series.csv", content)
    with pytest.raises(InputError, match=expected) as caught:
        read_series(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:")


def test_read_series_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.csv: no such file"):
        read_series(tmp_path / "missing.csv")


def test_detect_spikes_command_takes_the_watchlist_sensitivity_presets(tmp_path, capsys) -> None:
    """`--sensitivity` uses the brands' presets: high finds what normal holds back, low less."""
    from pipelines.cli import main

    rate, index = seasonal_rate(weeks=4, level=6.0)
    for day, factor in ((16, 1.6), (19, 2.0), (22, 2.6), (25, 4.0)):
        onset = at(index, day, 14)
        rate[onset : onset + 6] *= factor
    path = write_csv(tmp_path / "negative.csv", draw(rate, index, seed=23))
    found = {}
    for level in ("low", "normal", "high"):
        assert main(["detect-spikes", str(path), "--sensitivity", level]) == 0
        found[level] = json.loads(capsys.readouterr().out)
    assert len(found["low"]) <= len(found["normal"]) <= len(found["high"])
    assert len(found["low"]) < len(found["high"])
    assert main(["detect-spikes", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == found["normal"]


def nab_style_csv(path: Path, series: pd.Series) -> Path:
    """The layout of public benchmark exports: naive times, a space, a seconds offset."""
    lines = ["timestamp,value"] + [f"{t:%Y-%m-%d %H:%M:%S},{v:g}" for t, v in series.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_nab_style_files_with_offset_gaps_and_jittered_seconds(tmp_path: Path, capsys) -> None:
    """`2015-02-26 21:42:53`-style rows (naive = UTC, off the 5-minute clock), rows missing,
    and a few seconds of jitter: the same buckets, the same incident, at the input's times,
    with or without --freq; --freq 1h sums whole hours from the first row."""
    from pipelines.cli import main

    rate, index = seasonal_rate(weeks=4, level=10.0)
    onset = at(index, 20, 14)
    rate[onset : onset + 24] *= 5
    series = draw(rate, index, seed=31)
    series.index = series.index + pd.Timedelta(minutes=2, seconds=53)
    rng = np.random.default_rng(31)
    gappy = series.drop(series.index[rng.choice(len(series), 60, replace=False)])
    gappy = gappy.drop(gappy.index[4000:4020])  # and an outage of 100 minutes
    jittered = gappy.copy()
    jittered.index = gappy.index + pd.to_timedelta(rng.integers(-6, 7, len(gappy)), unit="s")
    clean_path = nab_style_csv(tmp_path / "clean.csv", gappy)
    jitter_path = nab_style_csv(tmp_path / "jitter.csv", jittered)
    assert clean_path.read_text().splitlines()[1] == f"2026-03-02 00:02:53,{gappy.iloc[0]:g}"

    read = read_series(jitter_path)
    assert read.index.tz is not None and read.index[0] == jittered.index[0]
    outputs = {}
    for path in (clean_path, jitter_path):
        for freq in ([], ["--freq", "5min"], ["--freq", "1h"]):
            assert main(["detect-spikes", str(path), *freq]) == 0
            outputs[path.stem, tuple(freq)] = json.loads(capsys.readouterr().out)
    five = outputs["clean", ()]
    assert len(five) == 1, five
    assert outputs["clean", ("--freq", "5min")] == five
    # jitter changes nothing: no row lands in its neighbour's bucket
    assert {k[1]: v for k, v in outputs.items() if k[0] == "jitter"} == {
        k[1]: v for k, v in outputs.items() if k[0] == "clean"
    }
    start = pd.Timestamp(five[0]["start"])
    assert abs(start - series.index[onset]) <= pd.Timedelta("10min")
    assert start.second == 53 and start.minute % 5 == 2 and start.tzinfo is not None
    (hour,) = outputs["clean", ("--freq", "1h")]
    hour_start = pd.Timestamp(hour["start"])
    assert (hour_start - series.index[0]) % pd.Timedelta("1h") == pd.Timedelta(0)
    assert series.index[onset] - pd.Timedelta("1h") < hour_start <= series.index[onset]


# --------------------------------------------------------------------------- bursty series


def flare(series: pd.Series, start: int, peak: float, rate: np.ndarray) -> None:
    """One bucket way up, a tail of a tenth of it gone within the hour (a retweet storm)."""
    shape = np.concatenate(([1.0], 0.15 * 0.5 ** (np.arange(11) / 3)))
    series.iloc[start : start + 12] += np.round(peak * rate[start] * shape)


def test_a_bursty_series_is_not_alerted_on_every_flare_but_on_what_lasts() -> None:
    """Flares that die within minutes, every few days: the first is news, the next ones of
    the same size are this brand's usual behaviour; one twice as big as any recent one is
    news again, and so is a rise that lasts, whatever the flares before it."""
    rate, index = seasonal_rate(weeks=6, level=20.0)
    lasting = at(index, 30, 13)
    rate[lasting : lasting + 36] *= 3  # three hours at 3x, an afternoon
    series = draw(rate, index, seed=41)
    flares = [
        at(index, day, hour) for day, hour in [(3 + 3 * k, 10 + 5 * (k % 2)) for k in range(12)]
    ]
    flares = [f for f in flares if abs(f - lasting) > 300]
    for k, start in enumerate(flares):
        flare(series, start, 12.0 if k != 7 else 40.0, rate)  # the eighth: much bigger

    incidents = detect(series)

    on_flares = [f for f in flares if overlapping(incidents, index[f], index[f + 12])]
    assert on_flares == [flares[0], flares[7]], incidents
    assert overlapping(incidents, index[lasting], index[lasting + 36])
    # without the rule every flare is an incident: they are all well above the noise
    every = detect(series, settings=DetectorSettings(burst_repeat=0))
    assert all(overlapping(every, index[f], index[f + 12]) for f in flares)
    # hourly buckets cannot show a flare's shape: the rule is off there
    hourly = series.groupby(series.index.floor("1h")).sum()
    assert detect(hourly) == detect(hourly, settings=DetectorSettings(burst_repeat=0))


def test_burst_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="burst_repeat"):
        DetectorSettings(burst_repeat=-1)
    with pytest.raises(ConfigError, match="burst_memory"):
        DetectorSettings(burst_memory="soon")


def test_an_outage_in_the_file_is_missing_data_not_a_day_of_silence(tmp_path: Path) -> None:
    """A busy series with no rows for a day (or three) was not silent: counted as zeros, its
    level would sink and the days after it would look like an incident. Short gaps (left-out
    zero rows) still count as zeros, and an incident right after the outage is still found."""
    rate, index = seasonal_rate(weeks=6, level=20.0)
    onset = at(index, 30, 14)  # a few hours after the longer outage ends
    rate[onset : onset + 24] *= 4
    for seed, days in ((51, 1), (52, 3)):
        series = draw(rate, index, seed=seed)
        series.index = series.index + pd.Timedelta(minutes=2, seconds=53)
        gone = at(index, 30 - days, 8)
        gappy = series.drop(series.index[gone : gone + days * 288])
        path = nab_style_csv(tmp_path / f"outage{days}.csv", gappy)
        found = detect(read_series(path))
        assert len(found) == 1, found
        assert abs(found[0].start - series.index[onset]) <= pd.Timedelta("10min")
        assert detect(read_series(path), freq="1h") == detect(gappy, freq="1h")
        assert len(detect(gappy, freq="1h")) == 1
