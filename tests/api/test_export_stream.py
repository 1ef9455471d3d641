"""List exports (`?format=csv|xlsx`) are written to an unlinked temporary file and sent from it,
not built in the heap: the bytes are those of before (BOM, RFC 4180 quoting, the apostrophe
before formula-like text), the 100 000-row limit still answers 422 with nothing left open, and
eight concurrent exports of 88 000 rows leave the server's resident size about where it was.

The database is the small demo city (`demo --scale small --seed 1`, 7 100 entities) grown to
88 000 entities by copying rows in SQL (new codes; exports do not check them), plus a few rows
whose names need quoting or the formula escape.
"""

import contextlib
import csv
import html
import io
import os
import re
import socket
import threading
import time
import zipfile
from urllib.parse import urlencode

import pytest

import dbkit
from conftest import BIN, Server, demo_city, grow_entities, has_chinese
from conftest import attachment_name, export_name, open_files

ENT = "/api/v1/entities"
XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = b"\xef\xbb\xbf"
BIG_ROWS = 88_000
MAX_ROWS = 100_000  # EXPORT_MAX_ROWS
RSS_GROWTH_LIMIT = 30 << 20
CONCURRENT = 8

# Names that need the formula escape, CSV quoting, or both.
TRICKY_NAMES = [
    '=HYPERLINK("http://example.com","点击")',
    "+86 聊城",
    "-1,2",
    "@SUM(A1:A2)",
    '带"引号"的企业',
    "逗号,企业",
    "换行\n企业",
    "回车\r企业",
]


def sanitized_binary():
    with open(BIN, "rb") as f:
        return b"__asan_init" in f.read()


@pytest.fixture(scope="module")
def big_template(tmp_path_factory):
    t = demo_city(tmp_path_factory, "export-stream", seed=1)
    with dbkit.connect(t.db) as c:
        region, now = c.execute("SELECT region, updated_at FROM entities LIMIT 1").fetchone()
        for i, name in enumerate(TRICKY_NAMES):
            c.execute("INSERT INTO entities (uscc, name, kind, region, legal_rep, address,"
                      " updated_at) VALUES (?, ?, 'enterprise', ?, ?, ?, ?)",
                      (f"XT{i:016d}", name, region, "=1+1" if i == 0 else "张三",
                       '地址 "甲", 乙' if i == 0 else "", now))
    grow_entities(t.db, BIG_ROWS, "XG")
    return t


@contextlib.contextmanager
def big_serving(template, tmp):
    """A server on the 88 000-entity database with a thread per concurrent export, its
    temporary files in tmp (an empty directory); stopped (exit checked) and removed after."""
    s = Server(template, ("--threads", str(CONCURRENT)), env={"TMPDIR": tmp})
    s.export_tmp = tmp
    try:
        yield s
    finally:
        try:
            s.stop()
        finally:
            s.cleanup()


@pytest.fixture(scope="module")
def big(big_template, tmp_path_factory):
    with big_serving(big_template, str(tmp_path_factory.mktemp("export-tmpdir"))) as s:
        yield s


def export(s, fmt, timeout=300, **params):
    return s.req("GET", ENT + "?" + urlencode({"format": fmt, **params}),
                 token=s.tokens["admin"], timeout=timeout)


def csv_export_rows(r):
    """Checks a CSV answer's framing and that its bytes are exactly the RFC 4180 encoding of
    its own rows (what csv.writer writes); returns (header, rows)."""
    assert r.status == 200, (r.status, r.raw[:300])
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert attachment_name(r.headers) in (export_name("市场主体", "csv"),)
    assert int(r.headers["Content-Length"]) == len(r.raw)
    assert r.raw.startswith(BOM)
    rows = list(csv.reader(io.StringIO(r.raw[3:].decode("utf-8"), newline="")))
    again = io.StringIO()
    csv.writer(again, lineterminator="\r\n").writerows(rows)
    assert BOM + again.getvalue().encode("utf-8") == r.raw
    return rows[0], rows[1:]


def xlsx_sheet_rows(r):
    assert r.status == 200, (r.status, r.raw[:300])
    assert r.headers["Content-Type"] == XLSX_CT
    assert attachment_name(r.headers) == export_name("市场主体", "xlsx")
    assert int(r.headers["Content-Length"]) == len(r.raw)
    assert r.raw[:2] == b"PK"
    z = zipfile.ZipFile(io.BytesIO(r.raw))
    assert z.testzip() is None
    sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return re.findall(r"<row[ >].*?</row>", sheet, re.S)


def proc_status(pid):
    """VmRSS, RssAnon and RssFile of a process, in bytes."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile"):
                out[name] = int(value.split()[0]) * 1024
    return out


def export_files_open(pid):
    """The server's descriptors on export files (unlinked, so shown as '... (deleted)')."""
    return [t for t in open_files(pid) if "jianguan-export-" in t]


def assert_nothing_left(s):
    """No export file open in the server (polled: a response is freed just after it is sent),
    none left in its temporary directory."""
    deadline = time.monotonic() + 5
    while export_files_open(s.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert export_files_open(s.proc.pid) == []
    assert os.listdir(s.export_tmp) == []


def test_csv_export_bytes_and_rows(big):
    r = export(big, "csv")
    header, rows = csv_export_rows(r)
    assert header[:4] == ["uscc", "name", "kind", "region"]
    assert {"uscc_flagged", "region_name", "chain"} <= set(header)
    assert len(rows) == BIG_ROWS == big.scalar("SELECT count(*) FROM entities")
    assert [row[0] for row in rows] == [u for (u,) in big.sql("SELECT uscc FROM entities ORDER BY id")]
    by_code = {row[0]: dict(zip(header, row)) for row in rows}
    for i, name in enumerate(TRICKY_NAMES):
        cell = by_code[f"XT{i:016d}"]["name"]
        assert cell == ("'" + name if name[0] in "=+-@" else name)
    first = by_code["XT" + "0" * 16]
    assert first["legal_rep"] == "'=1+1" and first["address"] == '地址 "甲", 乙'
    # The quoting on the wire, byte for byte.
    assert ',"\'=HYPERLINK(""http://example.com"",""点击"")",'.encode() in r.raw
    assert ",'+86 聊城,".encode() in r.raw and ",'@SUM(A1:A2),".encode() in r.raw
    assert ',"\'-1,2",'.encode() in r.raw and ',"带""引号""的企业",'.encode() in r.raw
    assert ',"换行\n企业",'.encode() in r.raw and ',"回车\r企业",'.encode() in r.raw
    assert_nothing_left(big)


def test_csv_export_filtered(big):
    _, rows = csv_export_rows(export(big, "csv", q="合作社"))
    assert len(rows) == big.scalar("SELECT count(*) FROM entities WHERE instr(name, '合作社') > 0")
    _, rows = csv_export_rows(export(big, "csv", q="没有这样的企业名称"))
    assert rows == []
    assert_nothing_left(big)


def test_xlsx_export_rows(big):
    rows = xlsx_sheet_rows(export(big, "xlsx"))
    assert len(rows) == 1 + BIG_ROWS
    assert has_chinese(rows[0])
    tricky = [row for row in rows if "XT0000000000000000" in row]
    assert len(tricky) == 1
    # Inline strings in a spreadsheet are never formulas: the text goes as it is.
    assert '=HYPERLINK("http://example.com","点击")' in html.unescape(tricky[0])
    assert "<f>" not in tricky[0]
    region = big.scalar("SELECT region FROM entities WHERE uscc = 'XT0000000000000000'")
    rows = xlsx_sheet_rows(export(big, "xlsx", region=region))
    assert len(rows) == 1 + big.scalar("SELECT count(*) FROM entities WHERE region = ?", (region,))
    assert_nothing_left(big)


def test_export_over_limit_422_nothing_left_open(big):
    grow_entities(big.db, MAX_ROWS + 1, "XL")
    try:
        for fmt in ("csv", "xlsx"):
            r = export(big, fmt)
            assert r.status == 422, (r.status, r.raw[:300])
            assert r.headers["Content-Type"].startswith("application/json")
            err = r.body["error"]
            assert err["code"] == "export_too_large" and has_chinese(err["message"])
            assert "Content-Disposition" not in r.headers
        assert_nothing_left(big)
        # Exactly at the limit is still a file.
        big.sql("DELETE FROM entities WHERE uscc = (SELECT max(uscc) FROM entities"
                " WHERE uscc LIKE 'XL%')")
        _, rows = csv_export_rows(export(big, "csv"))
        assert len(rows) == MAX_ROWS
    finally:
        big.sql("DELETE FROM entities WHERE uscc LIKE 'XL%'")
    assert big.scalar("SELECT count(*) FROM entities") == BIG_ROWS
    assert_nothing_left(big)


def test_download_abandoned_midway_closes_the_file(big):
    """A client that reads the start of an export and hangs up: the file is closed anyway."""
    path = ENT + "?" + urlencode({"format": "csv"})
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", big.port), timeout=30)
        try:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n"
                         f"Authorization: Bearer {big.tokens['admin']}\r\n\r\n".encode())
            got = b""
            while len(got) < 100_000:
                d = sock.recv(65536)
                assert d, got[:300]
                got += d
            assert got.startswith(b"HTTP/1.1 200") and BOM in got
        finally:
            sock.close()
    assert_nothing_left(big)
    assert big.req("GET", "/healthz").status == 200


def test_no_temporary_directory_500(big_template, tmp_path):
    """Without a usable $TMPDIR an export fails cleanly (500, JSON), and the server goes on."""
    with big_serving(big_template, str(tmp_path / "missing")) as s:
        for fmt in ("csv", "xlsx"):
            r = export(s, fmt)
            assert r.status == 500, (r.status, r.raw[:300])
            assert "error" in r.body and "Content-Disposition" not in r.headers
        r = s.req("GET", ENT + "?page_size=1", token=s.tokens["admin"])
        assert r.status == 200 and len(r.body["items"]) == 1


def test_concurrent_exports_rss(big_template, tmp_path):
    """Eight concurrent exports of 88 000 rows (four CSV, four XLSX) on a fresh server: all
    complete, and the memory they leave behind is under 30 MB. That is VmRSS less RssFile:
    the file-backed part is SQLite's memory map of the database (PRAGMA mmap_size, one map per
    reader thread), which any read of the table fills, export or not, and the kernel may drop.
    Not checked under sanitizers, whose allocator keeps freed memory in quarantine."""
    with big_serving(big_template, str(tmp_path)) as s:
        pid = s.proc.pid
        before = proc_status(pid)
        results, errors = [None] * CONCURRENT, []

        def one(i):
            try:
                results[i] = export(s, "csv" if i % 2 == 0 else "xlsx", timeout=600)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(CONCURRENT)]
        for t in threads:
            t.start()
        peak = before["VmRSS"] - before["RssFile"]
        while any(t.is_alive() for t in threads):
            now = proc_status(pid)
            peak = max(peak, now["VmRSS"] - now["RssFile"])
            time.sleep(0.05)
        for t in threads:
            t.join()
        assert not errors, errors
        assert_nothing_left(s)
        after = proc_status(pid)
        for i, r in enumerate(results):
            if i % 2 == 0:
                assert len(csv_export_rows(r)[1]) == BIG_ROWS
            else:
                assert len(xlsx_sheet_rows(r)) == 1 + BIG_ROWS
        mb = 1 << 20
        grown = (after["VmRSS"] - after["RssFile"]) - (before["VmRSS"] - before["RssFile"])
        print(f"\n{CONCURRENT} concurrent exports of {BIG_ROWS} rows"
              f" (CSV {len(results[0].raw) / mb:.1f} MB, XLSX {len(results[1].raw) / mb:.1f} MB):"
              f" VmRSS {before['VmRSS'] / mb:.1f} -> {after['VmRSS'] / mb:.1f} MB,"
              f" of which RssFile {before['RssFile'] / mb:.1f} -> {after['RssFile'] / mb:.1f} MB;"
              f" VmRSS less RssFile {(before['VmRSS'] - before['RssFile']) / mb:.1f} ->"
              f" {(after['VmRSS'] - after['RssFile']) / mb:.1f} MB (+{grown / mb:.1f},"
              f" peak {peak / mb:.1f})")
        if not sanitized_binary():
            assert grown < RSS_GROWTH_LIMIT, (before, after)
