"""A child's recorded story idea: validation by content, audio for the transcriber, and the
language the story is told in.

Uploads are identified by their bytes, never by their name or declared type: the container is
sniffed from its magic numbers, then demuxed *and decoded* with FFmpeg (through PyAV, whose
wheels bundle FFmpeg) restricted to that one container, and the duration is the number of
decoded samples over the sample rate. Header fields (WAV ``data`` sizes, MP4 ``mvhd``, Xing
frames, Matroska ``Duration``) are not trusted: they can be missing (browser MediaRecorder WebM
has no duration) or lie, and a file that only looks like audio fails to decode.
"""

from __future__ import annotations

import io
import logging
import wave
from dataclasses import dataclass

from django.conf import settings

from ai_providers.config import get_config
from ai_providers.types import Operation
from mira.errors import InvalidInput
from remoteconfig.selectors import provider_enabled

logger = logging.getLogger(__name__)

# Encoders pad the end of a stream (MP3 frames, AAC priming, Opus pre-skip), so a recording of
# exactly two minutes decodes to a few hundredths of a second more; that is not "too long".
DURATION_GRACE_SECONDS = 0.5
MIN_AUDIO_SECONDS = 1.0
TRANSCRIPTION_SAMPLE_RATE = 16_000  # what every speech recogniser we use works at internally

ACCEPTED_AUDIO = "WAV, MP3, M4A/AAC, OGG (Opus or Vorbis) or WebM"


@dataclass(frozen=True)
class _Container:
    demuxer: str  # FFmpeg's name for the demuxer, so nothing else is probed
    label: str
    suffix: str
    mime_type: str
    codecs: frozenset[str]


_PCM = frozenset(
    {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_u8", "pcm_f32le", "pcm_mulaw", "pcm_alaw"}
)
CONTAINERS: dict[str, _Container] = {
    "wav": _Container("wav", "WAV", "wav", "audio/wav", _PCM),
    "mp3": _Container("mp3", "MP3", "mp3", "audio/mpeg", frozenset({"mp3", "mp3float"})),
    "m4a": _Container("mov,mp4,m4a,3gp,3g2,mj2", "M4A", "m4a", "audio/mp4", frozenset({"aac"})),
    "aac": _Container("aac", "AAC", "aac", "audio/aac", frozenset({"aac"})),
    "ogg": _Container("ogg", "OGG", "ogg", "audio/ogg", frozenset({"opus", "vorbis"})),
    "webm": _Container(
        "matroska,webm", "WebM", "webm", "audio/webm", frozenset({"opus", "vorbis"})
    ),
}


@dataclass(frozen=True)
class AudioInfo:
    container: str  # a key of CONTAINERS
    codec: str
    duration_seconds: float
    sample_rate: int
    channels: int

    @property
    def suffix(self) -> str:
        return CONTAINERS[self.container].suffix

    @property
    def mime_type(self) -> str:
        return CONTAINERS[self.container].mime_type


# --- sniffing ------------------------------------------------------------------------------------


def _skip_id3(data: bytes) -> int:
    """Offset of the first byte after any ID3v2 tags (MP3 and ADTS files may start with them)."""
    offset = 0
    while data[offset : offset + 3] == b"ID3" and len(data) >= offset + 10:
        size = data[offset + 6 : offset + 10]
        if any(b & 0x80 for b in size):  # sizes are "syncsafe": 7 bits a byte
            break
        length = (size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3]
        footer = 10 if data[offset + 5] & 0x10 else 0
        offset += 10 + length + footer
    return offset


def _is_mpeg_frame(data: bytes, offset: int) -> str | None:
    """ "mp3" or "aac" when an MPEG audio (layer III) or ADTS frame header starts at ``offset``."""
    head = data[offset : offset + 4]
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    layer = (head[1] >> 1) & 0x03
    if head[1] & 0xF0 == 0xF0 and layer == 0:
        return "aac"  # ADTS: 12-bit sync, "layer" always 00
    if layer == 0x01 and (head[2] >> 4) not in (0, 15) and (head[2] >> 2) & 0x03 != 3:
        return "mp3"  # layer III with a valid bitrate and sample-rate index
    return None


def _ebml_doc_type(data: bytes) -> str | None:
    """The DocType of an EBML (Matroska/WebM) header, read from its first bytes."""
    position = data.find(b"\x42\x82", 4, 64)
    if position < 0 or position + 3 > len(data):
        return None
    size_byte = data[position + 2]
    if not size_byte & 0x80:  # only the one-byte size form occurs for a DocType
        return None
    size = size_byte & 0x7F
    return data[position + 3 : position + 3 + size].decode("ascii", "replace")


def sniff_container(data: bytes) -> str | None:
    """Which accepted container ``data`` is, from its magic numbers; None when it is none."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"OggS":
        return "ogg"
    if data[4:8] == b"ftyp":
        return "m4a"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if _ebml_doc_type(data) == "webm" else None
    return _is_mpeg_frame(data, _skip_id3(data))


def _describe(data: bytes) -> str:
    """A short, parent-readable guess at what a rejected file is, for the error message."""
    known = (
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (or an office document)"),
        (b"fLaC", "a FLAC file"),
        (b"FORM", "an AIFF file"),
        (b"#!AMR", "an AMR file"),
        (b"\x1a\x45\xdf\xa3", "a Matroska file that is not WebM"),
    )
    for magic, name in known:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF":
        return f"a RIFF {data[8:12].decode('latin-1').strip() or 'file'} file that is not WAV"
    return "not an audio file we can read"


# --- validation ----------------------------------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


def check_audio_size(size: int, *, field: str = "audio") -> None:
    """Refuse an empty or over-large recording before reading or decoding it."""
    limit = settings.MIRA_MAX_AUDIO_BYTES
    if size <= 0:
        raise InvalidInput("The recording is empty.", field=field)
    if size > limit:
        raise InvalidInput(
            f"The recording is {_mb(size)}; the limit is {limit / 1_048_576:.0f} MB.", field=field
        )


def _unreadable(kind: _Container, field: str) -> InvalidInput:
    return InvalidInput(
        f"The recording looks like {kind.label} but could not be decoded; it may be damaged "
        "or cut short.",
        field=field,
    )


def validate_audio(data: bytes, *, field: str = "audio") -> AudioInfo:
    """Check that ``data`` is a recording we accept; return what it is and how long it lasts.

    Raises ``InvalidInput`` naming the problem: empty, too large, not one of the accepted
    formats (whatever its name), video inside, an unexpected codec, undecodable, shorter than a
    second, or longer than ``MIRA_MAX_AUDIO_SECONDS``.
    """
    import av

    check_audio_size(len(data), field=field)
    name = sniff_container(data)
    if name is None:
        raise InvalidInput(
            f"The file is {_describe(data)}; send a recording in {ACCEPTED_AUDIO}.", field=field
        )
    kind = CONTAINERS[name]
    max_seconds = settings.MIRA_MAX_AUDIO_SECONDS
    samples = 0
    try:
        with av.open(io.BytesIO(data), mode="r", format=kind.demuxer) as container:
            if container.streams.video:
                raise InvalidInput(
                    "The file contains video; send the sound recording only.", field=field
                )
            if not container.streams.audio:
                raise InvalidInput(f"The {kind.label} file has no sound in it.", field=field)
            stream = container.streams.audio[0]
            codec = stream.codec_context.name
            if codec not in kind.codecs:
                raise InvalidInput(
                    f"The {kind.label} file holds {codec} audio, which we do not accept; "
                    f"send a recording in {ACCEPTED_AUDIO}.",
                    field=field,
                )
            rate = stream.codec_context.sample_rate or stream.sample_rate
            channels = stream.codec_context.channels
            for frame in container.decode(stream):
                rate = frame.sample_rate or rate
                samples += frame.samples
                # Stop decoding as soon as the answer is known: a 10 MB Opus file at 6 kbit/s
                # holds hours of sound, and the limit is minutes.
                if rate and samples / rate > max_seconds + DURATION_GRACE_SECONDS:
                    raise InvalidInput(
                        f"The recording is longer than {_duration(max_seconds)}; "
                        f"record at most {_duration(max_seconds)}.",
                        field=field,
                    )
    except InvalidInput:
        raise
    except (av.FFmpegError, ValueError, EOFError, IndexError) as exc:
        logger.info("audio upload undecodable", extra={"container": name, "error": str(exc)})
        raise _unreadable(kind, field) from None
    if not rate or not samples:
        raise _unreadable(kind, field)
    duration = samples / rate
    if duration < MIN_AUDIO_SECONDS:
        raise InvalidInput(
            f"The recording is only {duration:.1f} seconds long; record at least "
            f"{MIN_AUDIO_SECONDS:.0f} second of the story idea.",
            field=field,
        )
    return AudioInfo(
        container=name,
        codec=codec,
        duration_seconds=round(duration, 3),
        sample_rate=rate,
        channels=channels,
    )


def _duration(seconds: float) -> str:
    if seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute" + ("s" if minutes != 1 else "")
    return f"{seconds:g} seconds"


# --- audio for the transcriber -------------------------------------------------------------------


def transcription_audio(data: bytes) -> tuple[bytes, str]:
    """The recording as 16 kHz mono 16-bit PCM WAV, and its MIME type.

    Every transcriber in the chain gets the same audio: Whisper and Azure accept WAV and bill by
    the second whatever the format, the offline recogniser reads only PCM WAV, and the fake
    vendor in the tests can measure it. Two minutes are 3.8 MB, well under Whisper's 25 MB.
    WAV uploads pass through unchanged (every reader handles their rate and channels).
    """
    import av

    name = sniff_container(data)
    if name == "wav":
        return data, "audio/wav"
    if name is None:
        raise ValueError("not an accepted audio container")
    resampler = av.AudioResampler(format="s16", layout="mono", rate=TRANSCRIPTION_SAMPLE_RATE)
    chunks: list[bytes] = []
    with av.open(io.BytesIO(data), mode="r", format=CONTAINERS[name].demuxer) as container:
        for frame in container.decode(container.streams.audio[0]):
            for converted in resampler.resample(frame):
                chunks.append(bytes(converted.planes[0])[: converted.samples * 2])
    for converted in resampler.resample(None):  # flush what the resampler holds back
        chunks.append(bytes(converted.planes[0])[: converted.samples * 2])
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(TRANSCRIPTION_SAMPLE_RATE)
        wav.writeframes(b"".join(chunks))
    return out.getvalue(), "audio/wav"


# --- languages -----------------------------------------------------------------------------------

# Whisper's verbose_json names the language in English ("english"); Azure gives a locale
# ("fr-FR"); the offline recogniser "en". Stories keep ISO 639-1 codes.
_LANGUAGE_NAMES = {
    "afrikaans": "af", "albanian": "sq", "amharic": "am", "arabic": "ar", "armenian": "hy",
    "assamese": "as", "azerbaijani": "az", "bashkir": "ba", "basque": "eu", "belarusian": "be",
    "bengali": "bn", "bosnian": "bs", "breton": "br", "bulgarian": "bg", "burmese": "my",
    "cantonese": "yue", "castilian": "es", "catalan": "ca", "chinese": "zh", "croatian": "hr",
    "czech": "cs", "danish": "da", "dutch": "nl", "english": "en", "estonian": "et",
    "faroese": "fo", "finnish": "fi", "flemish": "nl", "french": "fr", "galician": "gl",
    "georgian": "ka", "german": "de", "greek": "el", "gujarati": "gu", "haitian creole": "ht",
    "haitian": "ht", "hausa": "ha", "hawaiian": "haw", "hebrew": "he", "hindi": "hi",
    "hungarian": "hu", "icelandic": "is", "indonesian": "id", "italian": "it", "japanese": "ja",
    "javanese": "jw", "kannada": "kn", "kazakh": "kk", "khmer": "km", "korean": "ko", "lao": "lo",
    "latin": "la", "latvian": "lv", "letzeburgesch": "lb", "lingala": "ln", "lithuanian": "lt",
    "luxembourgish": "lb", "macedonian": "mk", "malagasy": "mg", "malay": "ms",
    "malayalam": "ml", "maltese": "mt", "maori": "mi", "marathi": "mr", "moldavian": "ro",
    "moldovan": "ro", "mongolian": "mn", "myanmar": "my", "nepali": "ne", "norwegian": "no",
    "nynorsk": "nn", "occitan": "oc", "panjabi": "pa", "pashto": "ps", "persian": "fa",
    "polish": "pl", "portuguese": "pt", "punjabi": "pa", "pushto": "ps", "romanian": "ro",
    "russian": "ru", "sanskrit": "sa", "serbian": "sr", "shona": "sn", "sindhi": "sd",
    "sinhala": "si", "sinhalese": "si", "slovak": "sk", "slovenian": "sl", "somali": "so",
    "spanish": "es", "sundanese": "su", "swahili": "sw", "swedish": "sv", "tagalog": "tl",
    "tajik": "tg", "tamil": "ta", "tatar": "tt", "telugu": "te", "thai": "th", "tibetan": "bo",
    "turkish": "tr", "turkmen": "tk", "ukrainian": "uk", "urdu": "ur", "uzbek": "uz",
    "valencian": "ca", "vietnamese": "vi", "welsh": "cy", "yiddish": "yi", "yoruba": "yo",
}  # fmt: skip

_LANGUAGE_LABELS = {code: name.title() for name, code in _LANGUAGE_NAMES.items()}
_LANGUAGE_LABELS.update({"es": "Spanish", "nl": "Dutch", "ca": "Catalan", "ro": "Romanian"})


def language_code(value: str | None) -> str | None:
    """``"english"``, ``"en-US"``, ``"EN"`` → ``"en"``; None when it names no language."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().lower().replace("_", "-")
    if text in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[text]
    base = text.split("-")[0]
    if base.isalpha() and 2 <= len(base) <= 3:
        return base
    return None


def language_label(code: str) -> str:
    return _LANGUAGE_LABELS.get(code, code)


def _voice_languages(options: dict, model: str) -> frozenset[str] | None:
    """Languages one text-to-speech model can read, from ``config/ai_providers.yaml``: its
    ``languages`` list, else the locale its voice is named after ("en-US-AnaNeural"); and in
    both cases every language its ``voices`` map names a voice for."""
    codes: set[str] = set()
    listed = options.get("languages")
    if isinstance(listed, list | tuple):
        codes |= {c for c in (language_code(str(v)) for v in listed) if c}
    else:
        voice = str(options.get("voice") or model)
        parts = voice.split("-")
        if len(parts) >= 3 and parts[0].isalpha() and 2 <= len(parts[0]) <= 3:
            codes.add(parts[0].lower())
    voices = options.get("voices")
    if isinstance(voices, dict):
        codes |= {c for c in (language_code(str(k)) for k in voices) if c}
    return frozenset(codes) or None


def narration_languages() -> frozenset[str]:
    """Languages that every voice able to narrate right now can read.

    "Every", not "the first": narration falls back along its chain, and a story must not end
    up read by a voice that cannot pronounce it. Providers without credentials or switched off
    by ops are not in the chain and do not count. A voice with no declared languages is taken
    to read English only.
    """
    config = get_config()
    common: frozenset[str] | None = None
    for name in config.routes[Operation.TEXT_TO_SPEECH].chain:
        provider = config.providers[name]
        if not provider.configured or not provider_enabled(name)[0]:
            continue
        model = provider.models.get(Operation.TEXT_TO_SPEECH)
        if model is None:
            continue
        languages = _voice_languages(model.options, model.model) or frozenset({"en"})
        common = languages if common is None else common & languages
    return common or frozenset()


@dataclass(frozen=True)
class LanguageChoice:
    language: str  # what the story is told in
    detected: str | None  # what the child spoke, as an ISO 639-1 code
    warning: str = ""  # for the story's content warnings when the two differ


def story_language(*, detected: str | None, family_language: str) -> LanguageChoice:
    """Tell the story in the language the child spoke when the voices can read it, else in the
    family's language, saying so."""
    code = language_code(detected)
    family = family_language or "en"
    if code is None or code == language_code(family):
        return LanguageChoice(language=family, detected=code)  # keeps a regional "en-GB"
    if code in narration_languages():
        return LanguageChoice(language=code, detected=code)
    return LanguageChoice(
        language=family,
        detected=code,
        warning=(
            f"The recording was in {language_label(code)}, which Mira's voices cannot read "
            f"yet, so the story is told in {language_label(language_code(family) or family)}."
        ),
    )
