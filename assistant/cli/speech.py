"""`assistant run`, `assistant transcribe` and `assistant devices`: speech in and out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..assistant import Assistant
from ..config import Settings
from ..errors import AssistantError
from ..messages import Notice
from ..speech.engines import Recognizer, Transcript, load_recognizer
from .common import assistant_options, echo_json, json_option, make_assistant, model_value
from .devices import devices

__all__ = ["devices", "run", "transcribe"]

_FEED = 3200  # samples a streaming engine is given at a time: 0.2 s at 16 kHz

engine_option = click.option(
    "--engine", help="Recognition engine: vosk (default) or whisper, or a plugin's engine."
)
model_option = click.option(
    "--model",
    callback=model_value,
    help="Model catalog name or path (default: from the environment or config).",
)


def _pipeline_parts(assistant: Assistant, wake: bool, phrase: str | None):  # type: ignore[no-untyped-def]
    from ..speech.understand import Understanding
    from ..speech.wake import WakeSpotter

    spotter = WakeSpotter(phrase or assistant.settings.speech.wake_phrase) if wake else None
    return Understanding.from_assistant(assistant), spotter


def _speaker(speak: bool, speak_to: Path | None, settings: Settings):  # type: ignore[no-untyped-def]
    if not speak and speak_to is None:
        return None
    from ..speech.tts import Speaker, load_voice

    return Speaker(load_voice(settings.speech.voice), wav=speak_to)


def _show(heard_dict: dict[str, object], as_json: bool) -> None:
    if as_json:
        echo_json(heard_dict)
        return
    where = f"{heard_dict['file']} " if heard_dict.get("file") else ""
    span = f"[{where}{heard_dict['start']:.2f}-{heard_dict['end']:.2f} s]"  # type: ignore[str-format]
    if not heard_dict["woke"]:
        click.secho(f"{span} (no wake phrase) {heard_dict['heard']}", dim=True)
        return
    click.echo(f"{span} you: {heard_dict['text'] or heard_dict['heard']}")
    intent = heard_dict["intent"] or "not understood"
    click.echo(f"  ting: {heard_dict['reply']}  ({intent}, {heard_dict['latency_ms']} ms)")


@click.command()
@engine_option
@model_option
@click.option("--device", help="Microphone name or index (see `assistant devices`).")
@click.option(
    "--wake/--no-wake",
    default=None,
    help="Wait for the wake phrase (default: on for the microphone, off for files).",
)
@click.option("--wake-phrase", help="The wake phrase (default: speech.wake_phrase, 'hey ting').")
@click.option(
    "--speak/--no-speak",
    default=None,
    help="Speak replies (default: on for the microphone, off for files).",
)
@click.option(
    "--speak-to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write spoken replies to this WAV file instead of the speaker.",
)
@click.option(
    "--audio",
    "audio_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Run on audio files or folders (repeatable).",
)
@json_option
@assistant_options
def run(
    engine: str | None,
    model: str | None,
    device: str | None,
    wake: bool | None,
    wake_phrase: str | None,
    speak: bool | None,
    speak_to: Path | None,
    audio_paths: tuple[Path, ...],
    as_json: bool,
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...],
    plugin_names: tuple[str, ...] | None,
) -> None:
    """Listen and answer: the microphone by default, or recorded files with --audio.

    With several files, one that cannot be read is named on stderr and the others go on;
    the exit status is 1 if a file failed or nothing was heard.
    """
    from ..speech.audio import audio_files
    from ..speech.pipeline import Pipeline
    from ..speech.sources import FileSource, MicrophoneSource

    files = audio_files(audio_paths) if audio_paths else []
    live = not files
    with make_assistant(
        config_path, plugins_dirs, plugin_names=plugin_names, quiet=as_json
    ) as assistant:
        settings = assistant.settings
        use_wake = (settings.speech.wake if live else False) if wake is None else wake
        use_speech = (settings.speech.speak if live else False) if speak is None else speak
        understanding, spotter = _pipeline_parts(assistant, use_wake, wake_phrase)
        speaker = _speaker(use_speech, speak_to, settings)
        recognizer = load_recognizer(assistant, engine, model)
        partial = None if as_json or not live else _show_partial
        pipeline = Pipeline(
            assistant,
            recognizer,
            understanding=understanding,
            wake=spotter,
            speaker=speaker,
            silence_ms=settings.speech.endpoint_silence_ms,
            on_partial=partial,
            on_notice=lambda notice: _show_notice(notice, as_json),
        )
        count = failed = 0
        if not live:
            for path in files:
                pipeline.session = assistant.new_session()
                try:
                    for heard in pipeline.run(FileSource(path), name=str(path)):
                        _show(heard.to_dict(), as_json)
                        count += 1
                except AssistantError as exc:
                    if len(files) == 1:
                        raise
                    click.echo(f"error: {exc}", err=True)  # named, and the others go on
                    failed += 1
            sys.exit(0 if count and not failed else 1)
        source = MicrophoneSource(device or settings.speech.device)
        try:
            source.open()
            if as_json:
                echo_json(
                    {
                        "listening": source.device["name"],
                        "engine": recognizer.name,
                        "wake": spotter.phrase if spotter else None,
                    }
                )
            else:
                hint = f'say "{spotter.phrase}" and a command' if spotter else "speak a command"
                click.echo(f"Listening ({recognizer.name}); {hint}. Ctrl-C to stop.", err=True)
            for heard in pipeline.run(source):
                if not as_json:
                    click.echo("\r\033[K", nl=False, err=True)
                _show(heard.to_dict(), as_json)
        except KeyboardInterrupt:
            pass
        finally:
            source.close()
        if not as_json:
            click.echo("\nBye.", err=True)


def _show_notice(notice: Notice, as_json: bool) -> None:
    if as_json:
        echo_json({"notice": notice.text, "skill": notice.skill})
    else:
        click.echo("\r\033[K", nl=False, err=True)
        click.echo(f"  ting: {notice.text}")


def _show_partial(text: str) -> None:
    click.echo(f"\r\033[K… {text[-70:]}", nl=False, err=True)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@engine_option
@model_option
@json_option
@assistant_options
def transcribe(
    paths: tuple[Path, ...],
    engine: str | None,
    model: str | None,
    as_json: bool,
    config_path: Path | None,
    plugins_dirs: tuple[Path, ...],
    plugin_names: tuple[str, ...] | None,
) -> None:
    """Print what the recogniser hears in audio files, with word timings and confidences.

    A file that cannot be read is named on stderr and the others go on; the exit status is
    1 if a file failed or nothing was heard.
    """
    from ..speech.audio import audio_files

    files = audio_files(paths)
    with make_assistant(
        config_path, plugins_dirs, plugin_names=plugin_names, quiet=True
    ) as assistant:
        recognizer = load_recognizer(assistant, engine, model)
        heard_any = failed = False
        for path in files:
            try:
                transcript = _transcribe_file(recognizer, path)
            except AssistantError as exc:
                if len(files) == 1:
                    raise
                click.echo(f"error: {exc}", err=True)
                failed = True
                continue
            heard_any = heard_any or bool(transcript.text)
            if as_json:
                echo_json({"file": str(path), **transcript.to_dict()})
                continue
            click.echo(f"{path}: {transcript.text}")
            for w in transcript.words:
                click.echo(f"  {w.start:7.2f} {w.end:7.2f}  {w.confidence:4.2f}  {w.word}")
    sys.exit(0 if heard_any and not failed else 1)


def _transcribe_file(recognizer: Recognizer, path: Path) -> Transcript:
    """One file: a streaming engine hears it block by block, in constant memory."""
    from ..speech.audio import load_audio, read_blocks

    if not recognizer.streaming:
        return recognizer.transcribe(load_audio(path, recognizer.rate))
    blocks = read_blocks(path, recognizer.rate)
    recognizer.reset()
    try:
        for block in blocks:
            for start in range(0, len(block), _FEED):
                recognizer.accept(block[start : start + _FEED])
    except BaseException:
        recognizer.reset()
        raise
    return recognizer.result()
