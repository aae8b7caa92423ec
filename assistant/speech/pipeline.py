"""From audio to replies: source → endpointer → recogniser → wake phrase → assistant.

The same loop serves a microphone and a file. Each utterance the endpointer cuts out is
recognised (streaming engines hear it as it is spoken and show partial transcripts), checked
for the wake phrase, repaired for the matcher and answered within one dialog session.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..messages import NOTICE_EVERY
from ..nlu import normalize
from .engines import Recognizer, Transcript
from .rescore import after_wake, wake_heard
from .sources import FileSource
from .understand import spoken_digits
from .vad import Endpointer, Segment

if TYPE_CHECKING:
    from ..assistant import Assistant
    from ..dialog import Session
    from ..messages import Notice, Turn
    from .sources import AudioSource
    from .tts import Speaker
    from .understand import Understanding
    from .wake import WakeSpotter

__all__ = ["AWAKE_SECONDS", "Heard", "Pipeline", "run_file"]

_LOGGER = logging.getLogger(__name__)

AWAKE_SECONDS = 8.0
"""After the wake phrase alone, a command within this many seconds needs no wake phrase."""

_PREROLL_S = 0.6  # audio kept before speech starts, so a streaming engine hears its onset
WAKE_REPLY = "Yes?"


@dataclass
class Heard:
    """One utterance: where it was, what was heard and what came of it."""

    start: float
    end: float
    transcript: Transcript
    text: str
    turn: Turn | None = None
    woke: bool = True
    latency_ms: float = 0.0
    processing_ms: float = 0.0
    file: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def reply(self) -> str | None:
        """What the assistant answered (None when the utterance was ignored)."""
        if self.turn is not None:
            return self.turn.reply
        return WAKE_REPLY if self.woke and self.extra.get("wake_only") else None

    def to_dict(self) -> dict[str, Any]:
        """One line of `assistant run --json`."""
        turn = self.turn
        return {
            "file": self.file,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "heard": self.transcript.text,
            "text": self.text,
            "woke": self.woke,
            "intent": turn.intent if turn else None,
            "slots": dict(turn.slots) if turn else {},
            "confidence": turn.confidence if turn else 0.0,
            "reply": self.reply,
            "expecting": turn.expecting if turn else None,
            "latency_ms": round(self.latency_ms, 1),
            "processing_ms": round(self.processing_ms, 1),
        }


class Pipeline:
    """Listens to audio sources and answers each utterance.

    :param assistant: answers the text of each utterance.
    :param recognizer: any registered engine, already loaded.
    :param understanding: hints for the recogniser and transcript repair (None: plain text).
    :param wake: the wake-phrase spotter, or None to answer every utterance.
    :param speaker: speaks replies, or None.
    :param on_partial: called with each partial transcript of a streaming engine.
    :param on_notice: called with what the skills tell unprompted (a timer that ended),
        which they are asked about twice a second while a source that runs in real time
        (the microphone) is quiet; the speaker says it too.
    """

    def __init__(
        self,
        assistant: Assistant,
        recognizer: Recognizer,
        *,
        understanding: Understanding | None = None,
        wake: WakeSpotter | None = None,
        speaker: Speaker | None = None,
        silence_ms: int = 600,
        on_partial: Callable[[str], None] | None = None,
        on_notice: Callable[[Notice], None] | None = None,
        session: Session | None = None,
    ) -> None:
        self.assistant = assistant
        self.recognizer = recognizer
        self.understanding = understanding
        self.wake = wake
        self.speaker = speaker
        self.silence_ms = silence_ms
        self.on_partial = on_partial
        self.on_notice = on_notice
        self.session = session if session is not None else assistant.new_session()
        self._awake_until = -1.0
        self._settled = -1.0  # end of the speech a streaming engine last settled
        self._ahead: tuple[float, Segment, Future[Transcript]] | None = None
        self._worker: ThreadPoolExecutor | None = None
        if understanding is not None:
            hints = understanding.hints()
            if wake is not None and hints.grammar:  # the grammar must let the phrase through
                prefixed = tuple(f"{wake.phrase} {sentence}" for sentence in hints.grammar)
                hints = replace(hints, grammar=(wake.phrase, *hints.grammar, *prefixed))
            recognizer.configure(hints)

    def run(self, source: AudioSource, *, name: str | None = None) -> Iterator[Heard]:
        """Yield each utterance of ``source`` as it is answered, until the source ends."""
        endpointer = Endpointer(source.rate, silence_ms=self.silence_ms)
        streaming = self.recognizer.streaming and source.rate == self.recognizer.rate
        preroll: deque[np.ndarray] = deque()
        preroll_samples = int(_PREROLL_S * source.rate)
        live = _is_live(source)
        realtime = getattr(source, "realtime", False)  # audio arriving as it is spoken
        ahead = not streaming and realtime
        skip = 0  # microphone samples captured while a reply was spoken
        self._settled = -1.0  # speech times restart with each source
        self.recognizer.reset()
        asked = time.monotonic()  # when the skills were last asked what is due
        try:
            for chunk in source.chunks():
                if skip > 0:
                    skip -= len(chunk)
                    continue
                if (
                    realtime
                    and not endpointer.in_speech
                    and time.monotonic() - asked >= NOTICE_EVERY
                ):
                    asked = time.monotonic()
                    spoken = self._tell_notices(source.rate)
                    skip = spoken if live else 0
                was_speaking = endpointer.in_speech
                segments = endpointer.feed(chunk)
                if streaming:
                    self._stream(
                        chunk, was_speaking or bool(segments), endpointer, preroll, preroll_samples
                    )
                for segment in segments:
                    heard = self._finish(segment, endpointer.position, streaming, name)
                    if heard is not None:
                        yield heard
                        spoken = self._speak(heard, source.rate)
                        skip = spoken if live else 0
                        preroll.clear()
                if endpointer.in_speech:
                    self._early(endpointer, streaming, ahead)
            last = endpointer.flush()
            if last is not None:
                heard = self._finish(last, endpointer.position, streaming, name)
                if heard is not None:
                    yield heard
                    self._speak(heard, source.rate)
        finally:
            self._drop_ahead()
            if self._worker is not None:
                self._worker.shutdown(wait=True)
                self._worker = None

    def _early(self, endpointer: Endpointer, streaming: bool, ahead: bool) -> None:
        """Start on the utterance while the endpointer waits out the silence after it.

        A streaming engine settles (finishes decoding what it heard) after half the silence;
        with a source paced in real time, a non-streaming engine decodes the would-be
        utterance in a worker thread once its trailing pad is in. Either way the reply comes
        sooner after the silence ends; if speech resumes, the work is redone or carried on.
        """
        spoken_until = endpointer.speech_end
        if streaming:
            settle = getattr(self.recognizer, "settle", None)
            if (
                settle is not None
                and endpointer.pause * 1000 >= self.silence_ms / 2
                and self._settled != spoken_until
            ):
                self._settled = spoken_until
                settle()
            return
        if not ahead or endpointer.pause < endpointer.pad:
            return
        if self._ahead is not None:
            key, _, job = self._ahead
            if key == spoken_until or not job.done():
                return  # this very utterance is being decoded, or the worker is still busy
        segment = endpointer.peek()
        if segment is None:
            return
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="ting-decode")
        job = self._worker.submit(self.recognizer.transcribe, segment.audio, words=False)
        self._ahead = (spoken_until, segment, job)

    def _take_ahead(self, segment: Segment) -> Transcript | None:
        """The transcript decoded ahead for ``segment``, if that is what was decoded.

        Waits for a decode still running, so that the recogniser is free afterwards.
        """
        if self._ahead is None:
            return None
        _, decoded, job = self._ahead
        self._ahead = None
        try:
            transcript = job.result()
        except Exception:
            _LOGGER.debug("decoding ahead failed; decoding again", exc_info=True)
            return None
        if (decoded.start, decoded.end) != (segment.start, segment.end):
            return None
        return transcript

    def _drop_ahead(self) -> None:
        if self._ahead is not None:
            self._ahead[2].cancel()
            self._ahead = None

    def _stream(
        self,
        chunk: np.ndarray,
        active: bool,
        endpointer: Endpointer,
        preroll: deque[np.ndarray],
        limit: int,
    ) -> None:
        if endpointer.in_speech and not active:  # speech just started: hear its onset too
            for early in preroll:
                self.recognizer.accept(early)
            preroll.clear()
        if endpointer.in_speech or active:
            partial = self.recognizer.accept(chunk)
            if partial is not None and partial.text and self.on_partial is not None:
                self.on_partial(partial.text)
            return
        preroll.append(chunk)
        while preroll and sum(len(c) for c in preroll) > limit:
            preroll.popleft()

    def _finish(
        self, segment: Segment, position: float, streaming: bool, name: str | None
    ) -> Heard | None:
        """Recognise and answer one utterance; a failure is logged and the loop carries on."""
        try:
            return self._recognise(segment, position, streaming, name)
        except KeyboardInterrupt:
            raise
        except Exception:
            _LOGGER.exception(
                "%.2f-%.2f s: the utterance could not be handled", segment.start, segment.end
            )
            self.recognizer.reset()
            return None

    def _recognise(
        self, segment: Segment, position: float, streaming: bool, name: str | None
    ) -> Heard | None:
        started = time.perf_counter()
        if streaming:
            transcript = self.recognizer.result()
        else:
            ahead = self._take_ahead(segment)
            transcript = (
                ahead
                if ahead is not None
                else self.recognizer.transcribe(segment.audio, words=False)
            )
        if not transcript.text.strip():
            _LOGGER.debug("%.2f-%.2f s: nothing recognised", segment.start, segment.end)
            return None
        heard = self._answer(segment, transcript)
        heard.file = name
        heard.processing_ms = (time.perf_counter() - started) * 1000
        heard.latency_ms = max(0.0, position - segment.end) * 1000 + heard.processing_ms
        return heard

    def _answer(self, segment: Segment, transcript: Transcript) -> Heard:
        text = transcript.text
        command = transcript
        woke = True
        wake_only = False
        expecting = self.session.expecting is not None
        if self.wake is not None and not expecting and segment.start > self._awake_until:
            spotted = self.wake.check(text)
            woke, text = spotted.woke, spotted.command
            if woke and not wake_heard(transcript, self.wake, text):
                woke, text = False, " ".join(normalize(spoken_digits(transcript.text)))
            wake_only = woke and not text
            if woke and text:
                command = after_wake(transcript, self.wake, text)
        heard = Heard(segment.start, segment.end, transcript, text, woke=woke)
        if not woke:
            return heard
        if wake_only:
            heard.extra["wake_only"] = True
            self._awake_until = segment.end + AWAKE_SECONDS
            return heard
        if self.understanding is not None:
            text = self.understanding.choose(command)
        heard.text = text
        heard.turn = self.assistant.handle(text, self.session)
        self._awake_until = -1.0
        return heard

    def _speak(self, heard: Heard, rate: int) -> int:
        """Say the reply; the samples the microphone captured meanwhile are to be skipped."""
        return self._say(heard.reply, rate)

    def _tell_notices(self, rate: int) -> int:
        """Tell what the skills have to say unprompted; samples to skip, as for a reply."""
        skip = 0
        for notice in self.assistant.notices(self.session):
            if self.on_notice is not None:
                self.on_notice(notice)
            skip += self._say(notice.text, rate)
        return skip

    def _say(self, text: str | None, rate: int) -> int:
        if self.speaker is None or not text:
            return 0
        started = time.perf_counter()
        try:
            self.speaker.say(text)
        except Exception:
            _LOGGER.exception("speaking the reply failed")
            return 0
        return int((time.perf_counter() - started) * rate)


def run_file(
    assistant: Assistant,
    path: str | Path,
    *,
    session: Session | None = None,
    recognizer: Recognizer | None = None,
    engine: str | None = None,
    model: str | None = None,
) -> list[Heard]:
    """Run one recorded file through the assistant as ``assistant run --audio`` does.

    No wake phrase and no spoken replies; ``session`` carries the dialog across files. The
    recogniser is the configured engine and model unless one is given (pass a loaded one
    to avoid loading the model for every file).
    """
    from .engines import load_recognizer
    from .understand import Understanding

    if recognizer is None:
        recognizer = load_recognizer(assistant, engine, model)
    pipeline = Pipeline(
        assistant,
        recognizer,
        understanding=Understanding.from_assistant(assistant),
        silence_ms=assistant.settings.speech.endpoint_silence_ms,
        session=session,
    )
    return list(pipeline.run(FileSource(Path(path)), name=str(path)))


def _is_live(source: AudioSource) -> bool:
    """True for a microphone, which keeps capturing while a reply is spoken."""
    from .sources import MicrophoneSource

    return isinstance(source, MicrophoneSource)
