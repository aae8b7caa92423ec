"""The HTML report of `assistant eval --report`: summary, chart, confusion matrix, worst cases."""

from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from ..errors import AssistantError

__all__ = ["render_report", "write_report"]

_LOGGER = logging.getLogger(__name__)

_TEMPLATE = "report.html.j2"
_WORST = 25
_NONE = "(none)"


def _chart(conditions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Bars for intent accuracy, frame accuracy and word accuracy (1 − WER) per condition."""
    series = (
        ("intent", "intent_accuracy", "#3b6fd4"),
        ("frame", "frame_accuracy", "#2f9e6e"),
        ("words", "wer", "#d08a2b"),
    )
    groups = []
    for name, figures in conditions.items():
        bars = []
        for label, key, colour in series:
            value = figures.get(key)
            if value is None:
                continue
            value = 1.0 - min(1.0, float(value)) if key == "wer" else float(value)
            bars.append({"label": label, "value": value, "colour": colour})
        groups.append({"name": name, "bars": bars})
    width = 90 + 150 * max(1, len(groups))
    return {
        "groups": groups,
        "width": width,
        "height": 260,
        "legend": [(label, colour) for label, _, colour in series],
    }


def _confusion(results: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter((r["expected_intent"] or _NONE, r["intent"] or _NONE) for r in results)
    names = sorted({name for pair in counts for name in pair}, key=lambda n: (n == _NONE, n))
    most = max(counts.values(), default=1)
    rows = [[counts.get((e, p), 0) for p in names] for e in names]
    return {"names": names, "rows": rows, "max": most}


def _worst(
    results: list[dict[str, Any]], report_dir: Path, label_dir: Path
) -> list[dict[str, Any]]:
    def badness(r: dict[str, Any]) -> tuple[int, int, float]:
        words = r.get("reference_words") or 1
        return (not r["intent_correct"], not r["frame_correct"], r.get("word_edits", 0) / words)

    ranked = sorted(results, key=badness, reverse=True)
    out = []
    for r in ranked[:_WORST]:
        if badness(r) == (False, False, 0.0):
            break
        src = None
        if r.get("audio"):
            target = (label_dir / r["audio"]).resolve()
            src = Path(os.path.relpath(target, report_dir.resolve())).as_posix()
        out.append({**r, "src": src})
    return out


def render_report(summary: dict[str, Any], *, title: str, report_dir: Path, label_dir: Path) -> str:
    """The report as an HTML page (audio players link to the files, relative to the page)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("assistant.speech", "."),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template(_TEMPLATE)
    results = summary.get("results", [])
    return template.render(
        title=title,
        created=datetime.now().strftime("%Y-%m-%d %H:%M"),
        summary=summary,
        chart=_chart(summary.get("by_condition", {})),
        confusion=_confusion(results),
        worst=_worst(results, report_dir, label_dir),
    )


def write_report(path: Path, summary: dict[str, Any], *, title: str, label_dir: Path) -> None:
    """Write the report; an unwritable path is an AssistantError."""
    html = render_report(summary, title=title, report_dir=path.parent, label_dir=label_dir)
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise AssistantError(f"{path}: cannot write the report ({exc.strerror})") from exc
    _LOGGER.info("report written to %s", path)
