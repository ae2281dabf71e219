"""The Grafana dashboard in docs/ asks only for metrics the server exports, and every metric in
the exposition is documented in docs/metrics.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.metrics.test_metrics_endpoint import families

DOCS = Path(__file__).resolve().parents[2] / "docs"
NAME_RE = re.compile(r"\bmediaserver_[a-z_]+")
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def base_name(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


async def test_dashboard_and_docs_match_the_exposition(client) -> None:
    resp = await client.get("/metrics")
    exported = set(families(await resp.text()))
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    assert dashboard["title"] and dashboard["panels"]
    exprs = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    used = {base_name(n) for expr in exprs for n in NAME_RE.findall(expr)}
    assert used and used <= exported, sorted(used - exported)
    documented = {base_name(n) for n in NAME_RE.findall((DOCS / "metrics.md").read_text())}
    assert exported <= documented, sorted(exported - documented)
    titles = " ".join(p["title"] for p in dashboard["panels"]).lower()
    for topic in ("request", "latency", "error", "plays", "session", "fps", "queue", "disk",
                  "pool", "websocket"):
        assert topic in titles, topic
