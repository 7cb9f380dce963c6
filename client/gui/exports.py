"""What the window exports, as bytes: the event log (JSON Lines), the timeline
(PNG or SVG) and a played scenario's report (JSON, JUnit XML or text).

Everything here is made in memory on the GUI thread (painting is Qt's); the
window hands the bytes to the engine thread to write (``write_file``), so no
widget does file I/O.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from client.gui.event_log import Row
from client.gui.i18n import QT_TR_NOOP
from client.gui.theme import format_t
from client.scenarios.report import (
    format_step,
    format_summary,
    format_windows,
    junit_xml,
    to_json,
)
from client.scenarios.results import ScenarioResult

TIMELINE_FORMATS = {
    "png": QT_TR_NOOP("PNG image (*.png)"),
    "svg": QT_TR_NOOP("SVG drawing (*.svg)"),
}
REPORT_FORMATS = {
    "json": QT_TR_NOOP("JSON report (*.json)"),
    "xml": QT_TR_NOOP("JUnit XML (*.xml)"),
    "txt": QT_TR_NOOP("Text report (*.txt)"),
}


def event_log_jsonl(rows: list[Row], origin: float | None) -> bytes:
    """One JSON object per line: ``t`` (seconds from the window's T+0, as shown),
    ``at`` (the lab clock, epoch seconds), ``source``, ``kind``, ``text`` and the
    event's ``details`` when it has any."""
    lines = []
    for row in rows:
        entry: dict[str, Any] = {
            "t": round(row.at - origin, 3) if origin is not None else None,
            "time": format_t(row.at - origin, 1) if origin is not None else None,
            "at": row.at,
            "source": row.source,
            "kind": row.kind,
            "text": row.text,
        }
        if row.details:
            entry["details"] = row.details
        lines.append(json.dumps(entry, ensure_ascii=False, default=str))
    return ("\n".join(lines) + "\n" if lines else "").encode("utf-8")


def widget_png(widget: QWidget) -> bytes:
    """The widget as it is painted now, at the screen's pixel ratio."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def widget_svg(widget: QWidget, title: str) -> bytes:
    """The widget painted as vector graphics (text stays text: it scales on a slide)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(widget.width(), widget.height()))
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(title)
    painter = QPainter(generator)
    widget.render(painter, QPoint(0, 0))
    painter.end()
    buffer.close()
    return bytes(data.data())


def scenario_report(result: ScenarioResult, fmt: str) -> bytes:
    """The player's verdict in the CLI's formats: JSON, JUnit XML or text."""
    if fmt == "json":
        return (json.dumps(to_json([result]), indent=2, ensure_ascii=False) + "\n").encode()
    if fmt == "xml":
        return junit_xml([result])
    lines = [format_summary(result), f"  {result.scenario.title}"]
    for step in result.steps:
        lines += format_step(step)
    lines += format_windows(result)
    return ("\n".join(lines) + "\n").encode("utf-8")


async def write_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (engine thread)."""

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    await asyncio.to_thread(write)
    return path
