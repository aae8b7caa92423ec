"""File and microphone sources; the microphone runs against a fake PortAudio module."""

from __future__ import annotations

import logging
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import cli as cli_module
from assistant.errors import DeviceError
from assistant.speech import sources
from assistant.speech.audio import Audio, load_audio, resample
from assistant.speech.sources import AudioSource, FileSource, MicrophoneSource, list_devices

SHARED = Path(__file__).resolve().parents[2] / "shared" / "audio"
TEST_WAV = SHARED / "real" / "vosk-api-test" / "test.wav"


def test_file_source_yields_fixed_chunks() -> None:
    source = FileSource(TEST_WAV, chunk_ms=30)
    assert isinstance(source, AudioSource)
    chunks = list(source.chunks())
    assert {len(c) for c in chunks} == {480}
    assert all(c.dtype == np.float32 for c in chunks)
    audio = load_audio(TEST_WAV)
    joined = np.concatenate(chunks)
    assert len(chunks) == -(-len(audio.samples) // 480)
    np.testing.assert_array_equal(joined[: len(audio.samples)], audio.samples)
    assert not joined[len(audio.samples) :].any()  # the last chunk is zero-padded


def test_file_source_resamples_audio() -> None:
    audio = Audio(np.ones(22050, dtype=np.float32) * 0.1, 22050)
    source = FileSource(audio, rate=16000, chunk_ms=20)
    chunks = list(source.chunks())
    assert source.rate == 16000 and {len(c) for c in chunks} == {320}
    assert sum(len(c) for c in chunks) == 16000


def test_file_source_realtime_and_close() -> None:
    source = FileSource(Audio(np.zeros(8000, dtype=np.float32), 16000), realtime=True)
    started = time.monotonic()
    count = sum(1 for _ in source.chunks())
    assert count == 17 and time.monotonic() - started >= 0.45
    source = FileSource(Audio(np.zeros(160000, dtype=np.float32), 16000), realtime=True)
    threading.Timer(0.2, source.close).start()
    started = time.monotonic()
    count = sum(1 for _ in source.chunks())
    assert time.monotonic() - started < 1.0 and count < 20


# --- a fake sounddevice module -------------------------------------------------------------


class _FakeStream:
    """Plays a recording into the callback from its own thread, like PortAudio."""

    def __init__(self, fake: _FakeSoundDevice, **kwargs: Any) -> None:
        self.fake, self.kwargs = fake, kwargs
        self.active = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.active = True
        self._thread.start()

    def _run(self) -> None:
        block = self.kwargs["blocksize"]
        samples = self.fake.recording
        for start in range(0, len(samples), block):
            if not self.active:
                return
            data = samples[start : start + block].reshape(-1, 1)
            status = types.SimpleNamespace(input_overflow=False)
            self.kwargs["callback"](data, len(data), None, status)
            if self.fake.pace:
                time.sleep(self.fake.pace)
        self.active = False

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.fake.closed = True


class _FakeSoundDevice(types.ModuleType):
    def __init__(self, recording: np.ndarray, rate: int) -> None:
        super().__init__("sounddevice")
        self.recording, self.rate = recording.astype(np.float32), rate
        self.pace = 0.0
        self.closed = False
        self.opened: dict[str, Any] = {}
        self.default = types.SimpleNamespace(device=[1, 2])
        self.devices = [
            {"name": "HDMI out", "max_input_channels": 0, "default_samplerate": 48000.0},
            {"name": "USB Mic", "max_input_channels": 1, "default_samplerate": float(rate)},
            {"name": "Built-in Audio", "max_input_channels": 2, "default_samplerate": 48000.0},
        ]

    def query_devices(self, kind: str | None = None) -> Any:
        return self.devices

    def InputStream(self, **kwargs: Any) -> _FakeStream:  # noqa: N802 - sounddevice's name
        self.opened = kwargs
        return _FakeStream(self, **kwargs)


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> _FakeSoundDevice:
    audio = load_audio(TEST_WAV, rate=44100)
    fake = _FakeSoundDevice(audio.samples, 44100)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    return fake


def test_list_devices(fake_sd: _FakeSoundDevice) -> None:
    devices = list_devices()
    assert [d["name"] for d in devices] == ["USB Mic", "Built-in Audio"]
    assert devices[0] == {
        "index": 1,
        "name": "USB Mic",
        "input_channels": 1,
        "default_samplerate": 44100.0,
        "is_default": True,
    }


def test_microphone_captures_at_native_rate_and_resamples(fake_sd: _FakeSoundDevice) -> None:
    mic = MicrophoneSource(rate=16000, chunk_ms=30)
    chunks = list(mic.chunks())
    mic.close()
    assert fake_sd.opened["samplerate"] == 44100 and fake_sd.opened["device"] == 1
    assert {len(c) for c in chunks} == {480}
    heard = np.concatenate(chunks)
    expected = resample(fake_sd.recording, 44100, 16000)
    assert abs(len(heard) - len(expected)) <= 480
    n = len(expected) - 100
    assert np.corrcoef(heard[:n], expected[:n])[0, 1] > 0.99
    assert mic.overflows == 0 and fake_sd.closed


def test_microphone_counts_and_logs_overflows(
    fake_sd: _FakeSoundDevice, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sources, "_QUEUE_SECONDS", 0.0)  # the smallest queue: 4 blocks
    mic = MicrophoneSource()
    with caplog.at_level(logging.WARNING, logger="assistant.speech.sources"):
        stream = mic.chunks()
        next(stream)
        time.sleep(0.5)  # the reader stalls; the fake device keeps delivering
        rest = list(stream)
    mic.close()
    assert mic.overflows > 0
    assert "dropped" in caplog.text
    assert len(rest) > 0


def test_microphone_by_name_and_index(fake_sd: _FakeSoundDevice) -> None:
    assert MicrophoneSource(device="built-in").device["index"] == 2
    assert MicrophoneSource(device="2").device["name"] == "Built-in Audio"
    assert MicrophoneSource(device=1).native_rate == 44100


@pytest.mark.parametrize("device", ["Blue Yeti", 7, "0"])
def test_missing_device(fake_sd: _FakeSoundDevice, device: str | int) -> None:
    with pytest.raises(DeviceError, match="see `assistant devices`"):
        MicrophoneSource(device=device)


def test_no_microphone_at_all(fake_sd: _FakeSoundDevice) -> None:
    fake_sd.devices = fake_sd.devices[:1]
    with pytest.raises(DeviceError, match="no microphone found"):
        MicrophoneSource()


@pytest.fixture
def no_portaudio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sounddevice that fails to import the way it does without libportaudio."""
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)


def test_missing_portaudio(no_portaudio: None) -> None:
    with pytest.raises(DeviceError, match="install libportaudio2"):
        MicrophoneSource()
    with pytest.raises(DeviceError, match="install libportaudio2"):
        list_devices()


def _run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setitem(cli_module.cli.lazy, "devices", "assistant.cli.devices:devices")
    with pytest.raises(SystemExit) as info:
        cli_module.main(args)
    return int(info.value.code or 0)


def test_devices_command(
    fake_sd: _FakeSoundDevice, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run_cli(["devices"], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "*   1  USB Mic  (1 ch, 44100 Hz)" in out and "HDMI" not in out
    assert _run_cli(["devices", "--json"], monkeypatch) == 0
    assert '"name": "Built-in Audio"' in capsys.readouterr().out


def test_devices_command_without_portaudio(
    no_portaudio: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run_cli(["devices"], monkeypatch) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: PortAudio is not installed") and "\n" not in err
