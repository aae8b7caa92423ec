"""A virtual microphone (for tests and bench/bench_live.py): a PulseAudio daemon of the test's own, whose null sink ``vmic`` is
captured by PortAudio (through ALSA's pulse plugin) as if it were a microphone.

Sound played into ``vmic`` with :meth:`VirtualMicrophone.play` is what ``assistant run``
hears; the default sink is another null sink (``speakers``), so the assistant's spoken
replies do not come back into its own microphone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import soundfile


class VirtualMicrophone:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def play(self, path: Path) -> None:
        """Plays ``path`` into the microphone; returns when the last sample has been played."""
        seconds = soundfile.info(str(path)).duration
        subprocess.run(
            ["paplay", "--device=vmic", str(path)],
            env=self.env,
            check=True,
            timeout=seconds + 30,
        )


def _wait_for(socket: Path, daemon: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            out = daemon.stdout.read().decode(errors="replace") if daemon.stdout else ""
            raise RuntimeError(f"pulseaudio exited with {daemon.returncode}: {out[-500:]}")
        if socket.exists():
            return
        time.sleep(0.05)
    raise RuntimeError("pulseaudio did not start within 15 s")


@contextmanager
def virtual_microphone(folder: Path) -> Iterator[VirtualMicrophone]:
    """A PulseAudio daemon with its runtime and state in ``folder``, stopped on exit."""
    missing = [tool for tool in ("pulseaudio", "pactl", "paplay") if shutil.which(tool) is None]
    if missing:
        raise FileNotFoundError(
            f"{', '.join(missing)} not installed (setup.sh installs pulseaudio-utils)"
        )
    env = {
        **os.environ,
        "PULSE_RUNTIME_PATH": str(folder / "runtime"),
        "PULSE_STATE_PATH": str(folder / "state"),
        "PULSE_SERVER": f"unix:{folder / 'runtime' / 'native'}",
    }
    env.pop("PULSE_SINK", None)
    env.pop("PULSE_SOURCE", None)
    daemon = subprocess.Popen(
        [
            "pulseaudio",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disable-shm",
            "-n",  # no default.pa: only the modules below
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=vmic rate=16000 channels=1",
            "--load=module-null-sink sink_name=speakers",
            "--log-target=stderr",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(folder / "runtime" / "native", daemon)
        mic = VirtualMicrophone(env)
        mic.pactl("set-default-source", "vmic.monitor")
        mic.pactl("set-default-sink", "speakers")
        yield mic
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
