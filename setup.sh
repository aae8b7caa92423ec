#!/usr/bin/env bash
# Sets Ting up on a fresh Debian/Ubuntu machine: system audio libraries, then the package
# with its speech extras and test dependencies, installed in editable mode.
set -euo pipefail
cd "$(dirname "$0")"

# pulseaudio, pulseaudio-utils and libasound2-plugins give the tests a real capture path: a
# virtual microphone that PortAudio records through ALSA's pulse plugin.
APT_PACKAGES=(
    espeak-ng sox libportaudio2 libsndfile1
    pulseaudio pulseaudio-utils libasound2-plugins
)
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
    fi
else
    echo "setup.sh: no apt-get here; install ${APT_PACKAGES[*]} with your package manager" >&2
fi

PYTHON="${PYTHON:-python3}"
"$PYTHON" -m pip install --quiet --upgrade pip
"$PYTHON" -m pip install --quiet -e ".[whisper,tts,test]"
