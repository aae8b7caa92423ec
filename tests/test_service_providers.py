"""Choosing between providers is the user's: a newly dropped manifest never takes over."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.services.catalog import Catalog
from assistant.services.samples import bundled_services
from assistant.services.server import ServiceServer, make_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServiceServer]:
    """The bundled samples served over real HTTP, as a third party would serve theirs."""
    catalog = Catalog(strict=True)
    for manifest, handlers in bundled_services():
        catalog.add(manifest, "bundled", handlers)
    directory = catalog.directory(data_dir=tmp_path / "served")
    served = make_server(directory, "127.0.0.1", 0)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield served
    served.shutdown()
    directory.close()


def _drop_manifest(folder: Path, server: ServiceServer, new_id: str, name: str) -> None:
    with urllib.request.urlopen(f"{server.root}/services/weather", timeout=5) as answer:
        manifest = json.load(answer)
    manifest.update(id=new_id, name=name, aliases=[])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{new_id}.json").write_text(json.dumps(manifest), encoding="utf-8")


def _settings(tmp_path: Path, **services: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", services={"manifests": tmp_path / "services", **services}
    )


def test_a_manifest_dropped_in_later_does_not_take_over_the_weather(
    tmp_path: Path, server: ServiceServer
) -> None:
    _drop_manifest(tmp_path / "services", server, "aaa_weather", "Aaa Weather")
    assistant = Assistant.create(_settings(tmp_path))
    turn = assistant.handle("what's the weather in beijing tomorrow")
    assert turn.service == "weather", turn.reply


def test_the_user_can_choose_the_provider(tmp_path: Path, server: ServiceServer) -> None:
    _drop_manifest(tmp_path / "services", server, "aaa_weather", "Aaa Weather")
    assistant = Assistant.create(_settings(tmp_path, prefer={"forecast": "aaa_weather"}))
    turn = assistant.handle("what's the weather in beijing tomorrow")
    assert turn.service == "aaa_weather", turn.reply
    assert "beijing" in turn.reply.lower()
