"""`assistant devices`: the microphones Ting can listen on."""

from __future__ import annotations

import sys

import click

from ..speech.sources import list_devices
from .common import echo_json, json_option

__all__ = ["devices"]


@click.command()
@json_option
def devices(as_json: bool) -> None:
    """List microphones: index, name, channels, native rate; * marks the default."""
    found = list_devices()  # DeviceError (no PortAudio) → one line, exit status 2
    if as_json:
        echo_json({"devices": found})
    elif not found:
        click.echo("no microphones found", err=True)
    for device in found if not as_json else []:
        mark = "*" if device["is_default"] else " "
        click.echo(
            f"{mark} {device['index']:3}  {device['name']}  "
            f"({device['input_channels']} ch, {device['default_samplerate']:.0f} Hz)"
        )
    if not found:
        sys.exit(1)
