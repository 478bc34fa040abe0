"""`vigie import` + `vigie process` through the command line, on a real DuckDB file."""

import json

import duckdb
import pytest

from pipelines.cli import main

GOOD = [
    {
        "source_id": "a1",
        "published_at": "2026-11-20T09:00:00Z",
        "text": "I love my Velora!",
        "author": "ann",
        "author_followers": 120,
        "likes": 4,
    },
    {
        "source_id": "a2",
        "published_at": "2026-11-20T10:30:00+01:00",
        "text": "L'appli Velora est vraiment nulle, je suis très déçu.",
        "author": "jean",
    },
    {
        "source_id": "a3",
        "published_at": 1763640000,
        "text": "Cyclane ships a new e-bike today.",
        "source": "forum",
    },
    {
        "source_id": "a4",
        "published_at": "2026-11-20T11:00:00Z",
        "text": "No brand here",
        "brand": "Velora",
    },
]
BAD_LINES = [
    "{not json",
    json.dumps({"source_id": "b1", "text": "no date"}),
    json.dumps({"source_id": "b2", "published_at": "soon", "text": "bad date"}),
    json.dumps(
        {
            "source_id": "b3",
            "published_at": "2026-11-20T10:00:00Z",
            "text": "Velora",
            "likes": "many",
        }
    ),
    json.dumps(
        {
            "source_id": "b4",
            "published_at": "2026-11-20T10:00:00Z",
            "text": "nothing relevant at all",
        }
    ),
]
WATCHLIST = """
brands: [{name: Velora, handles: ["@velora"]}]
competitors: [{name: Cyclane}]
"""


def vigie(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def ledger(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select received, loaded, duplicates, quarantined from ingest_ledger"
        ).fetchall()


def counts(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return tuple(
            con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("mentions", "quarantine", "raw_records", "ingest_ledger", "mart_brand_daily")
        )


@pytest.fixture
def setup(tmp_path, write):
    db = tmp_path / "store" / "vigie.duckdb"
    config = write("w.yaml", WATCHLIST)
    lines = [json.dumps(r) for r in GOOD] + BAD_LINES + [json.dumps(GOOD[0])]
    data = write("mentions.jsonl", "\n".join(lines) + "\n")
    return db, config, data


def test_jsonl_loads_good_rows_and_quarantines_the_rest(capsys, setup):
    db, config, data = setup
    assert vigie(capsys, "--db", db, "import", data)[0] == 0
    code, out, _ = vigie(capsys, "-q", "--db", db, "--config", config, "process")
    assert code == 0
    assert ledger(db) == [(10, 4, 1, 5)]
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict(con.execute("select source_id, brand from mentions").fetchall())
        reasons = [
            r[0] for r in con.execute("select reason from quarantine order by seq").fetchall()
        ]
        langs = dict(con.execute("select source_id, lang from mentions").fetchall())
        labels = dict(con.execute("select source_id, sentiment_label from mentions").fetchall())
    assert rows == {"a1": "Velora", "a2": "Velora", "a3": "Cyclane", "a4": "Velora"}
    assert langs["a2"] == "fr" and langs["a1"] == "en"
    assert labels["a1"] == "positive" and labels["a2"] == "negative"
    assert reasons == [
        "line 5: invalid JSON: Expecting property name enclosed in double quotes",
        "line 6: missing required field 'published_at'",
        "line 7: published_at: unparseable date 'soon'",
        "line 8: likes: expected a whole number, got 'many'",
        "line 9: matches no brand or competitor in the watchlist",
    ]
    assert "received" in out and "quarantined 1×" in out


def test_reimport_and_reprocess_change_nothing(capsys, setup):
    db, config, data = setup
    vigie(capsys, "--db", db, "import", data)
    vigie(capsys, "-q", "--db", db, "--config", config, "process")
    before = counts(db)
    code, out, _ = vigie(capsys, "--db", db, "import", data)
    assert code == 0 and "already landed" in out
    code, out, _ = vigie(capsys, "-q", "--db", db, "--config", config, "process")
    assert code == 0 and "nothing to process" in out
    assert counts(db) == before


def test_same_rows_in_another_file_count_as_duplicates(capsys, setup, write):
    db, config, data = setup
    vigie(capsys, "--db", db, "import", data)
    vigie(capsys, "-q", "--db", db, "--config", config, "process")
    again = write("again.jsonl", "\n".join(json.dumps(r) for r in GOOD[:2]) + "\n")
    vigie(capsys, "--db", db, "import", again)
    vigie(capsys, "-q", "--db", db, "--config", config, "process")
    assert sorted(ledger(db)) == sorted([(10, 4, 1, 5), (2, 0, 2, 0)])
    assert counts(db)[0] == 4


def test_csv_import_with_bom_and_bad_rows(capsys, tmp_path, write):
    db = tmp_path / "vigie.duckdb"
    body = (
        "\ufeffsource_id,published_at,text,likes,brand\n"
        'c1,2026-11-20T08:00:00Z,"Great ride, thanks!",3,Velora\n'
        "c2,2026-11-20T08:00:00Z,,1,Velora\n"
        "c3,2026-11-20T08:00:00Z,too,many,fields,here\n"
    )
    data = write("m.csv", body.encode("utf-8") + b"c4,2026-11-20T08:00:00Z,caf\xe9,1,Velora\n")
    vigie(capsys, "--db", db, "import", data)
    assert vigie(capsys, "-q", "--db", db, "process")[0] == 0
    assert ledger(db) == [(4, 1, 0, 3)]
    with duckdb.connect(str(db), read_only=True) as con:
        reasons = [
            r[0] for r in con.execute("select reason from quarantine order by seq").fetchall()
        ]
    assert reasons == [
        "line 3: missing required field 'text'",
        "line 4: more fields than the header",
        "line 5: not UTF-8",
    ]


def test_without_watchlist_mentions_load_unmatched(capsys, setup):
    db, _, data = setup
    vigie(capsys, "--db", db, "import", data)
    assert vigie(capsys, "-q", "--db", db, "process")[0] == 0
    received, loaded, dupes, quarantined = ledger(db)[0]
    assert (received, loaded, dupes, quarantined) == (10, 5, 1, 4)


def test_import_errors_are_one_line(capsys, tmp_path, write):
    code, _, err = vigie(capsys, "--db", tmp_path / "v.duckdb", "import", tmp_path / "missing.csv")
    assert code == 2 and err.count("\n") == 1 and "no such file" in err
    code, _, err = vigie(capsys, "--db", tmp_path / "v.duckdb", "import", write("e.csv", " \n"))
    assert code == 2 and "the file is empty" in err
