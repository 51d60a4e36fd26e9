"""Rows read ahead by a second process: the same rows, in order, and the reader's errors in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from euproj_rdf.importers import ahead
from euproj_rdf.importers.read import ImportInputError, Row, read_table


def _rows(n: int) -> list[dict[str, str]]:
    return [{"id": f"{i:06d}", "name": f"Organisation {i} «ÅÄÖ»", "note": "line one\nline two" if i % 7 == 0 else ""}
            for i in range(n)]


def test_a_big_file_gives_the_same_rows_read_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "organizations.json"
    path.write_text(json.dumps(_rows(2500), ensure_ascii=False), encoding="utf-8")
    direct = list(read_table(path))
    monkeypatch.setattr(ahead, "READ_AHEAD_BYTES", 1)
    rows = read_table(path)
    assert not isinstance(rows, list)
    assert list(rows) == direct
    assert [r.row for r in direct] == list(range(1, 2501))
    assert direct[14] == Row("organizations.json", 15, {"id": "000014", "name": "Organisation 14 «ÅÄÖ»",
                                                        "note": "line one\nline two"})


def test_an_error_of_the_reader_comes_after_the_rows_before_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "broken.json"
    text = json.dumps(_rows(1500), ensure_ascii=False)
    path.write_text(text[:-1] + ", 42]", encoding="utf-8")  # row 1501 is not an object
    monkeypatch.setattr(ahead, "READ_AHEAD_BYTES", 1)
    seen = []
    with pytest.raises(ImportInputError, match="^broken.json: row 1501: expected an object, found int$"):
        for row in read_table(path):
            seen.append(row.row)
    assert seen == list(range(1, 1501))


def test_a_caller_that_stops_early_stops_the_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "many.json"
    path.write_text(json.dumps(_rows(5000)), encoding="utf-8")
    monkeypatch.setattr(ahead, "READ_AHEAD_BYTES", 1)
    started = []
    ctx = ahead.multiprocessing.get_context("fork")
    process = ctx.Process

    def make(*args, **kwargs):  # the reader process, to check it is gone
        started.append(process(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(ctx, "Process", make)
    rows = read_table(path)
    assert next(rows).row == 1
    rows.close()  # type: ignore[attr-defined]
    assert len(started) == 1 and not started[0].is_alive()


def _prepare(row: Row) -> tuple:
    if row.row == 7:
        raise ValueError("not this one")
    return (row.cells["id"], len(row.cells["note"]))


def test_rows_read_ahead_come_with_what_prepare_made_of_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reading process runs the importer's ``prepare`` on each row; where it fails, the row
    comes without (the importer then does that work itself, and meets the error there)."""
    path = tmp_path / "organizations.json"
    path.write_text(json.dumps(_rows(1200), ensure_ascii=False), encoding="utf-8")
    assert all(r.prepared is None for r in read_table(path, prepare=_prepare))  # small: read here, not prepared
    monkeypatch.setattr(ahead, "READ_AHEAD_BYTES", 1)
    rows = list(read_table(path, prepare=_prepare))
    assert [r.row for r in rows] == list(range(1, 1201))
    assert rows[0].prepared == ("000000", 17) and rows[1].prepared == ("000001", 0)
    assert rows[6].prepared is None
    # the first rows keep their cells; later ones only where nothing was prepared (the importer
    # reads the prepared data instead)
    assert ahead.PREPARED_CELLS == 1000
    assert all(r.cells for r in rows[:1000])
    assert all(not r.cells for r in rows[1000:])


def test_the_reader_works_ahead_while_the_importer_is_busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reading process does not wait for the importer to take each batch: it keeps a bounded
    number ready. Here it prepares thousands of rows while the importer holds the first, where
    waiting on the pipe it would stop after a few hundred."""
    import time

    path = tmp_path / "organizations.json"
    path.write_text(json.dumps(_rows(6000), ensure_ascii=False), encoding="utf-8")
    progress = tmp_path / "progress"
    monkeypatch.setattr(ahead, "READ_AHEAD_BYTES", 1)
    monkeypatch.setattr(ahead, "_BATCH", 100)

    def prepare(row: Row) -> int:
        if row.row % 100 == 0:  # replaced whole, never read half-written
            (tmp_path / "progress.tmp").write_text(str(row.row))
            (tmp_path / "progress.tmp").replace(progress)
        return row.row

    rows = read_table(path, prepare=prepare)
    assert next(rows).prepared == 1
    done = 0
    for _ in range(200):  # up to 20 s: the reader's own pace, not a speed limit
        done = int(progress.read_text()) if progress.exists() else 0
        if done >= 3000:
            break
        time.sleep(0.1)
    assert done >= 3000, f"the reader stopped at row {done} while the importer held row 1"
    assert [r.prepared for r in rows] == list(range(2, 6001))


def test_the_batches_kept_ready_are_bounded_in_bytes() -> None:
    """The reading process stops reading when the batches it keeps ready pass the limit, until
    one is sent."""
    import threading

    ready = ahead._Ready(10)
    ready.put(b"x" * 8)
    ready.put(b"y" * 8)  # 8 bytes waiting: under the limit, so one more batch is taken
    third = threading.Thread(target=ready.put, args=(b"z",))
    third.start()
    third.join(0.3)
    assert third.is_alive(), "a batch was taken beyond the limit"
    assert ready.get() == b"x" * 8
    third.join(10)
    assert not third.is_alive()
    ready.put(None)
    assert [ready.get(), ready.get(), ready.get()] == [b"y" * 8, b"z", None]
