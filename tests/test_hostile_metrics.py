"""Hostile table/schema names through ``/metrics``, scraped over HTTP from a running serve.

Tables without RLS (so each gets an ``rls-disabled`` ``driftwatch_finding_info`` series)
are named with quotes, backslashes (also a literal backslash-n next to a real newline, and
a trailing backslash), newline, carriage return, tab, label-syntax look-alikes, a leading
``#``, unicode, names that differ only by case and 63-byte names of 2-, 3- and 4-byte
UTF-8 characters, in schemas that are themselves hostile. The exposition is parsed back
with prometheus-client's text *and* OpenMetrics parsers and checked by ``promtool check
metrics``: every label must equal the exact name, and no sample may leak into another.

Also: ``/metrics`` auth over HTTP with wrong Basic credentials and malformed headers
(missing and wrong Bearer are covered by ``test_serve.py::test_metrics_auth``).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families
from test_serve_support import http_get, wait_for

from driftwatch import idents
from driftwatch.config import load as configload
from driftwatch.service import Service

E2 = "é" * 31 + "x"  # 63 bytes of 2-byte characters (+1 ASCII)
E3 = "表" * 21  # 63 bytes of 3-byte characters
E4 = "🐘" * 15 + "abc"  # 63 bytes of 4-byte characters (+3 ASCII)
assert all(len(n.encode()) == 63 for n in (E2, E3, E4))

SCHEMAS = ["public", 'we"ird\\sch\nema', "Ünï côdé ✓", "\\"]
TABLES: dict[str, list[str]] = {
    "public": [
        'quo"te',
        "back\\slash",
        "lit\\nnot-newline",  # backslash + n: must stay distinct from the next one
        "lit\nnewline",
        "trailing\\",
        "cr\rtab\there",
        'x} {object="fake",rule="rls-disabled"} 1\ny',
        "# HELP driftwatch_up fake",
        "Case",
        "case",
        "CASE",
        E2,
        E3,
        E4,
        "'; drop table x; --",
    ],
    'we"ird\\sch\nema': ["t", 'a"\\\n'],
    "Ünï côdé ✓": ["ünïcödé_表_🐘", E3],
    "\\": ["\\"],
}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_sql() -> str:
    out = []
    for schema, tables in TABLES.items():
        if schema != "public":
            out.append(f"create schema {ident(schema)};")
            # exposed and reachable by the API roles (through PUBLIC): the findings are errors
            out.append(f"grant usage on schema {ident(schema)} to public;")
        for t in tables:
            out.append(f"create table {ident(schema)}.{ident(t)} (id int, organization_id uuid);")
            out.append(f"grant select on {ident(schema)}.{ident(t)} to public;")
    return "\n".join(out)


EXPECTED_OBJECTS = {idents.qualify(s, t) for s, ts in TABLES.items() for t in ts}


@pytest.fixture
def served(tmp_path: Path, make_db: Callable[[str], str]) -> Iterator[Callable[..., Service]]:
    dsn = make_db(schema_sql())
    started: list[Service] = []

    def start(**server: Any) -> Service:
        svc = Service(
            configload.from_dict(
                {
                    "state_dir": str(tmp_path / "state"),
                    "targets": [{"name": "odd", "dsn": dsn, "schedule": "1h"}],
                    "docs": {"baseline": str(tmp_path / "none.json")},
                    "tenancy": {"exposed_schemas": SCHEMAS},
                    "server": {"listen": "127.0.0.1:0", **server},
                }
            )
        )
        svc.start()
        started.append(svc)
        assert svc.http is not None
        url = f"http://127.0.0.1:{svc.http.port}"
        assert wait_for(lambda: http_get(url + "/readyz")[0] == 200, 30), "first run never done"
        return svc

    yield start
    for svc in started:
        svc.stop(timeout_s=15)


def _labels(families: Any, name: str) -> list[dict[str, str]]:
    return [dict(s.labels) for fam in families for s in fam.samples if s.name == name]


def test_hostile_names_in_finding_info_round_trip_over_http(
    served: Callable[..., Service],
) -> None:
    svc = served()
    assert svc.http is not None
    url = f"http://127.0.0.1:{svc.http.port}/metrics"
    assert svc.results.get("odd") is not None
    assert (svc.results.get("odd") or pytest.fail("no result")).up

    status, text = http_get(url)
    assert status == 200
    status, om_text = http_get(url, {"Accept": "application/openmetrics-text; version=1.0.0"})
    assert status == 200 and om_text.rstrip().endswith("# EOF")

    for families in (
        list(text_string_to_metric_families(text)),
        list(openmetrics_families(om_text)),
    ):
        info = [
            lab
            for lab in _labels(families, "driftwatch_finding_info")
            if lab["rule"] == "rls-disabled"
        ]
        objects = [lab["object"] for lab in info]
        assert sorted(objects) == sorted(EXPECTED_OBJECTS)  # exact, no duplicates, no extras
        assert all(lab["target"] == "odd" and lab["severity"] == "error" for lab in info)
        # no fake series injected through a name
        assert {lab["object"] for lab in _labels(families, "driftwatch_finding_info")} >= {
            'public."Case"',
            'public."case"',  # a reserved word
            'public."CASE"',
        }
        assert not [lab for lab in _labels(families, "driftwatch_finding_info") if
                    lab.get("object") == "fake"]  # fmt: skip
        assert _labels(families, "driftwatch_up") == [{"target": "odd"}]
        tables = {
            lab["schema"]
            for lab in _labels(families, "driftwatch_tables")
            if lab.get("target") == "odd"
        }
        assert tables == set(SCHEMAS)

    # one sample per line in the raw text: every line is a comment or starts with a metric
    for line in text.split("\n"):
        assert line == "" or line.startswith(("# ", "driftwatch_", "process_", "python_")), line
    # the 63-byte names arrive whole (PostgreSQL truncates beyond 63 bytes; we never do)
    for schema, name in (("public", E4), ("Ünï côdé ✓", E3)):
        quoted = idents.qualify(schema, name).replace("\\", "\\\\").replace('"', '\\"')
        assert f'object="{quoted}"' in text


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_accepts_the_exposition(served: Callable[..., Service]) -> None:
    svc = served()
    assert svc.http is not None
    status, text = http_get(f"http://127.0.0.1:{svc.http.port}/metrics")
    assert status == 200
    proc = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30
    )
    # promtool exits 1 both for lint advice and for a parse error ("error while linting:
    # text format parsing error ..."); a parse error is what must never appear.
    out = proc.stdout + proc.stderr
    assert "parsing error" not in out and "error while linting" not in out, out
    assert proc.returncode == 0 or out.strip(), out
    # the same check does fail on an unescaped newline in a label value
    bad = subprocess.run(
        ["promtool", "check", "metrics"],
        input='driftwatch_x{object="a\nb"} 1\n',  # a raw newline inside the label
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "parsing error" in bad.stdout + bad.stderr


def _basic(user: str, pw: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()


def test_metrics_auth_rejects_wrong_basic_and_malformed_headers(
    served: Callable[..., Service],
) -> None:
    svc = served(metrics_username="prom", metrics_password="s3cret:with:colons")
    assert svc.http is not None
    url = f"http://127.0.0.1:{svc.http.port}/metrics"
    rejected = {
        "missing": None,
        "wrong password": _basic("prom", "s3cret"),
        "wrong user": _basic("Prom", "s3cret:with:colons"),
        "password as user": _basic("s3cret:with:colons", "prom"),
        "empty": "",
        "scheme only": "Basic",
        "not base64": "Basic !!!",
        "base64 without colon": "Basic " + base64.b64encode(b"prom").decode(),
        "password as bearer": "Bearer s3cret:with:colons",
        "unknown scheme": "Digest username=prom",
    }
    for why, header in rejected.items():
        status, body = http_get(url, {"Authorization": header} if header is not None else {})
        assert status == 401, why
        assert "driftwatch_" not in body and "s3cret" not in body, why
    status, body = http_get(url, {"Authorization": _basic("prom", "s3cret:with:colons")})
    assert status == 200 and "driftwatch_finding_info" in body
    # the probes stay open without credentials
    assert http_get(f"http://127.0.0.1:{svc.http.port}/healthz")[0] == 200
