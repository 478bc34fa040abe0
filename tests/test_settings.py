from pathlib import Path

import pytest

from pipelines.errors import ConfigError
from pipelines.settings import load_watchlist, resolve_paths

REPO = Path(__file__).resolve().parent.parent


def test_example_watchlist_is_valid():
    watchlist = load_watchlist(REPO / "watchlist.example.yaml")
    assert watchlist.brands and watchlist.competitors
    assert {s.type for s in watchlist.sources} >= {"rss"}
    assert all(c.url_env or c.to for c in watchlist.alerts.channels)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("brands: [{name: X, colour: red}]", "brands[0].colour: Extra inputs are not permitted"),
        ("locale: de", "locale: Input should be 'en' or 'fr'"),
        ("brands: [{name: X}, {name: x}]", "names must be unique, repeated: x"),
        ("sources: [{type: myspace}]", "sources[0].type: unknown source 'myspace'"),
        ("sources: [{type: rss, params: {}}]", "sources[0].params.urls: Field required"),
        ("sources: [{type: rss, params: {urls: [ftp://x]}}]", "sources[0].params.urls[0]"),
        (
            "alerts: {channels: [{type: slack, name: s, url_env: https://hooks.example/x}]}",
            "is not an environment variable name",
        ),
        ("brands: [name: X", "YAML syntax error at line 1"),
        ("- just\n- a list", "must be a mapping"),
    ],
)
def test_mistakes_give_one_line_naming_file_and_field(write, text, expected):
    path = write("w.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_watchlist(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="watchlist file not found"):
        load_watchlist(tmp_path / "nope.yaml")


def test_handles_and_hashtags_are_normalised(write):
    watchlist = load_watchlist(write("w.yaml", "brands: [{name: A, handles: [a], hashtags: [b]}]"))
    assert watchlist.brands[0].handles == ["@a"]
    assert watchlist.brands[0].hashtags == ["#b"]


def test_db_path_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("VIGIE_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_paths().db == tmp_path / "data" / "vigie.duckdb"
    monkeypatch.setenv("VIGIE_DB", str(tmp_path / "env.duckdb"))
    assert resolve_paths().db == tmp_path / "env.duckdb"
    assert resolve_paths(tmp_path / "flag.duckdb").db == tmp_path / "flag.duckdb"
    assert resolve_paths(tmp_path / "flag.duckdb").landing == tmp_path / "landing"
