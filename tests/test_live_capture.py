"""`assistant run` on a real capture path: PortAudio records a PulseAudio source into which
spoken commands are played, the way a microphone hears a person."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulse_support import VirtualMicrophone, virtual_microphone
from speech_support import concatenate, espeak, silence, whisper_model

# Each command is spoken after the wake phrase, as a user talks to the laptop.
COMMANDS = [
    ("hey ting, set a timer for five minutes", "timer.set", {"duration": 300}),
    ("hey ting, what's the weather in beijing", "weather.forecast", {"city": "beijing"}),
    ("hey ting, where is my package", "parcel.track", {}),
]


@pytest.fixture(scope="module")
def mic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualMicrophone]:
    try:
        with virtual_microphone(tmp_path_factory.mktemp("pulse")) as mic:
            yield mic
    except FileNotFoundError as exc:  # not a Debian machine set up by setup.sh
        pytest.skip(str(exc))


def _spoken(text: str) -> Path:
    """``text`` spoken by espeak-ng with a little silence either side, as a 16 kHz WAV."""
    said = espeak(text, voice="en-us")
    path, _ = concatenate([silence(0.3), said, silence(0.5)], f"live-{abs(hash(text))}.wav")
    return path


class Running:
    """`assistant run --json` on the default microphone, its output read line by line."""

    def __init__(self, mic: VirtualMicrophone, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "run", "--json", *args],
            # this test's own home and data folders, and the daemon of the virtual microphone
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("PULSE_")},
                **{k: v for k, v in mic.env.items() if k.startswith("PULSE_")},
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        self.stderr.extend(self.process.stderr)

    def next(self, timeout: float) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"nothing within {timeout} s; stderr: {self.stderr[-5:]}"
            ) from None
        assert line is not None, f"assistant run ended: {''.join(self.stderr[-5:])}"
        return line

    def heard(self, timeout: float) -> dict[str, Any]:
        """The next utterance heard (notices skipped)."""
        while True:
            line = self.next(timeout)
            if "heard" in line:
                return line

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def running(mic: VirtualMicrophone) -> Iterator[Running]:
    run = Running(mic, "--engine", "whisper", "--model", str(whisper_model()), "--no-speak")
    try:
        ready = run.next(timeout=120)
        assert ready["wake"] == "hey ting" and ready["engine"] == "whisper", ready
        yield run
    finally:
        run.stop()


def test_three_spoken_commands_in_a_row_are_answered(
    mic: VirtualMicrophone, running: Running
) -> None:
    for text, intent, slots in COMMANDS:
        mic.play(_spoken(text))
        heard = running.heard(timeout=60)
        assert heard["woke"], (heard["heard"], running.stderr[-3:])
        assert heard["intent"] == intent, heard
        assert {key: heard["slots"].get(key) for key in slots} == slots, heard
        assert heard["reply"], heard


def test_speech_without_the_wake_phrase_is_not_answered(
    mic: VirtualMicrophone, running: Running
) -> None:
    mic.play(_spoken("what's the weather in beijing"))
    heard = running.heard(timeout=60)
    assert not heard["woke"] and heard["reply"] is None, heard
    # and the next command, with the phrase, is still answered
    mic.play(_spoken(COMMANDS[1][0]))
    assert running.heard(timeout=60)["intent"] == "weather.forecast"


def test_ctrl_c_stops_it_at_once(mic: VirtualMicrophone, running: Running) -> None:
    mic.play(_spoken(COMMANDS[0][0]))
    assert running.heard(timeout=60)["intent"] == "timer.set"
    sent = time.monotonic()
    running.process.send_signal(signal.SIGINT)
    code = running.process.wait(timeout=10)
    took = time.monotonic() - sent
    assert code == 0, running.stderr
    assert took < 1.0, f"took {took:.2f} s to stop after Ctrl-C"
    assert not any("Traceback" in line for line in running.stderr), running.stderr
