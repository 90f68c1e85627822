"""Offline drawing analysis and cover painting: pure functions, no database, no network."""

from __future__ import annotations

import io
import re
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ai_providers.providers.local import cover as cover_module
from ai_providers.providers.local.cover import paint_cover
from ai_providers.providers.local.drawing import (
    InvalidImage,
    analyse_drawing,
    colour_name,
    load_drawing,
)
from ai_providers.types import ImageAnalysisResult, Usage

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

SKY = (108, 192, 240)
GRASS = (58, 166, 57)
RED = (215, 38, 45)
YELLOW = (255, 212, 42)
NAVY = (25, 32, 70)


def encode(img: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def red_square(size: tuple[int, int] = (400, 300)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    w, h = size
    ImageDraw.Draw(img).rectangle((w * 0.3, h * 0.3, w * 0.7, h * 0.7), fill=RED)
    return img


def sky_and_grass(size: tuple[int, int] = (600, 450)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    w, h = size
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, h * 0.22), fill=SKY)
    draw.rectangle((0, h * 0.8, w, h), fill=GRASS)
    return img


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size in its header but carries almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


def is_reddish(hex_colour: str) -> bool:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return r > 150 and g < 100 and b < 100


# --- analysis: colours and layout ------------------------------------------------------------


def test_red_square_on_white_gives_red_first_and_no_white() -> None:
    result = analyse_drawing(encode(red_square()), kid_age=5)

    assert isinstance(result, ImageAnalysisResult)
    assert result.palette, "a red square must produce a palette"
    assert is_reddish(result.palette[0])
    assert result.colour_names[0] == "cherry red"
    assert len(result.palette) == len(result.colour_names) <= 5
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in result.palette)
    assert "snow white" not in result.colour_names
    assert result.details["background"] in ("#ffffff", "#fefefe", "#fdfdfd")
    assert result.usage == Usage(requests=1)


def test_blue_top_green_bottom_reads_as_sky_and_grass() -> None:
    result = analyse_drawing(encode(sky_and_grass()), kid_age=6)

    assert "a big sky" in result.subjects
    assert "grassy ground" in result.subjects
    assert set(result.colour_names[:2]) == {"sky blue", "grass green"}
    assert "across the top" in result.description
    assert "along the bottom" in result.description
    thirds = result.details["ink_thirds"]
    assert thirds["middle-center"] < 0.05
    assert set(result.details["ink_focus"]) <= {
        "top-left",
        "top-center",
        "top-right",
        "bottom-left",
        "bottom-center",
        "bottom-right",
    }


def test_yellow_blob_in_top_corner_is_a_sun() -> None:
    img = Image.new("RGB", (800, 600), "white")
    ImageDraw.Draw(img).ellipse((40, 30, 200, 190), fill=YELLOW)
    result = analyse_drawing(encode(img), kid_age=4)

    assert result.colour_names[0] == "sunny yellow"
    assert result.subjects == ("a shining sun",)
    assert "top-left corner" in result.description


def test_dark_paper_with_small_light_spots_is_a_starry_night() -> None:
    img = Image.new("RGB", (600, 600), NAVY)
    draw = ImageDraw.Draw(img)
    for x, y in ((80, 90), (300, 60), (520, 140), (120, 400), (450, 330), (280, 520)):
        draw.ellipse((x - 14, y - 14, x + 14, y + 14), fill=YELLOW)
    result = analyse_drawing(encode(img), kid_age=7)

    assert result.details["dark_paper"] is True
    assert result.details["mood"] == "dreamy"
    assert "twinkling stars" in result.subjects
    assert "a night sky" in result.subjects
    assert not any(name == "navy blue" for name in result.colour_names), "paper is not ink"


def test_blank_page_has_no_palette_but_still_a_description() -> None:
    result = analyse_drawing(encode(Image.new("RGB", (300, 300), "white")), kid_age=5)

    assert result.palette == ()
    assert result.subjects == ()
    assert result.details["ink_coverage"] == 0
    assert 2 <= result.description.count(".") + result.description.count("!") <= 4


def test_photo_with_uneven_light_does_not_call_shadows_ink() -> None:
    # A phone photo of white paper: bright in one corner, greyer in the opposite one.
    w, h = 800, 600
    yy, xx = np.mgrid[0:h, 0:w]
    shade = 245 - 55 * (xx / w + yy / h) / 2
    page = np.repeat(shade[..., None], 3, axis=2).astype(np.uint8)
    img = Image.fromarray(page)
    ImageDraw.Draw(img).rectangle((320, 220, 480, 380), fill=RED)
    result = analyse_drawing(encode(img, "JPEG", quality=90), kid_age=5)

    assert result.colour_names == ("cherry red",)
    assert result.details["ink_coverage"] < 0.1


def test_photo_of_a_sheet_on_a_table_measures_only_the_sheet() -> None:
    rng = np.random.default_rng(1)
    table = np.full((1200, 1600, 3), (125, 88, 52), dtype=np.float32)
    table += rng.normal(0, 8, (1200, 1600, 1))
    photo = Image.fromarray(np.clip(table, 0, 255).astype(np.uint8))
    sheet = sky_and_grass((1200, 900))
    tilt = 3  # the sheet lies a little askew, as it always does
    mask = Image.new("L", sheet.size, 255).rotate(tilt, expand=True)
    sheet = sheet.rotate(tilt, expand=True)
    photo.paste(sheet, ((1600 - sheet.width) // 2, (1200 - sheet.height) // 2), mask)
    result = analyse_drawing(encode(photo, "JPEG", quality=88), kid_age=5)

    assert result.details["sheet"] is not None
    assert result.details["background_name"] == "snow white"
    assert {"a big sky", "grassy ground"} <= set(result.subjects)
    assert not any("brown" in name for name in result.colour_names), "the table is not ink"


def test_page_coloured_all_over_is_mentioned_as_the_background() -> None:
    sea = Image.new("RGB", (800, 600), (40, 110, 200))
    ImageDraw.Draw(sea).ellipse((300, 240, 500, 360), fill=(250, 140, 30))
    result = analyse_drawing(encode(sea), kid_age=5)

    assert result.colour_names == ("tangerine orange",)
    assert "On an ocean blue background" in result.description


def test_dark_green_paper_is_not_called_a_night_sky() -> None:
    img = Image.new("RGB", (500, 400), (20, 60, 30))
    ImageDraw.Draw(img).rectangle((150, 120, 350, 280), fill=YELLOW)
    result = analyse_drawing(encode(img), kid_age=5)

    assert result.details["dark_paper"] is True
    assert "a night sky" not in result.subjects
    assert "dark forest green paper" in result.description


def test_details_are_complete_and_in_range() -> None:
    result = analyse_drawing(encode(sky_and_grass((640, 480))), kid_age=6)
    d = result.details

    assert (d["width"], d["height"]) == (640, 480)
    for key in ("brightness", "busyness", "ink_coverage", "edge_density"):
        assert 0.0 <= d[key] <= 1.0, key
    assert d["mood"] in {"bright", "calm", "busy", "dreamy"}
    assert len(d["ink_thirds"]) == 9
    assert sum(d["ink_thirds"].values()) == pytest.approx(1.0, abs=0.01)
    assert re.fullmatch(r"#[0-9a-f]{6}", d["background"])


def test_busy_scribble_is_busier_than_a_single_shape() -> None:
    rng = np.random.default_rng(3)
    busy = Image.new("RGB", (800, 600), "white")
    draw = ImageDraw.Draw(busy)
    for _ in range(120):
        points = [tuple(int(v) for v in rng.integers(0, (800, 600))) for _ in range(4)]
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        draw.line(points, fill=colour, width=6)
    calm = analyse_drawing(encode(red_square()), kid_age=5)
    lively = analyse_drawing(encode(busy), kid_age=5)

    assert lively.details["busyness"] > calm.details["busyness"] + 0.4
    assert lively.details["mood"] == "busy"
    assert calm.details["mood"] == "calm"


def test_description_is_short_encouraging_and_weaves_in_an_interest() -> None:
    result = analyse_drawing(
        encode(sky_and_grass()), kid_age=6, interests=("dinosaurs", "  space\nrockets!! ")
    )
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", result.description) if s]

    assert 2 <= len(sentences) <= 4
    assert "6-year-old" in result.description
    assert "dinosaurs" in result.description or "space rockets" in result.description
    assert "\n" not in result.description


def test_same_input_gives_the_same_result() -> None:
    data = encode(sky_and_grass())
    first = analyse_drawing(data, kid_age=5, interests=("cats",))
    second = analyse_drawing(data, kid_age=5, interests=("cats",))

    assert first == second


@pytest.mark.parametrize(
    ("hex_colour", "name"),
    [
        ("#ff0000", "cherry red"),
        ("#0000ff", "royal blue"),
        ("#3aa639", "grass green"),
        ("#ffd42a", "sunny yellow"),
        ("#ff8000", "tangerine orange"),
        ("#000000", "midnight black"),
        ("#808080", "pencil grey"),
        ("#ffc0cb", "bubblegum pink"),
        ("#8b4513", "cinnamon brown"),
    ],
)
def test_colour_names_are_friendly(hex_colour: str, name: str) -> None:
    assert colour_name(hex_colour) == name


# --- analysis: decoding -------------------------------------------------------------------------


def test_exif_orientation_is_applied() -> None:
    # Stored sideways: the sky is on the left edge. Orientation 6 means "rotate 90° clockwise
    # to view", which brings the left edge to the top.
    stored = Image.new("RGB", (300, 400), "white")
    draw = ImageDraw.Draw(stored)
    draw.rectangle((0, 0, 70, 400), fill=SKY)
    draw.rectangle((240, 0, 300, 400), fill=GRASS)
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated = analyse_drawing(encode(stored, "JPEG", quality=92, exif=exif.tobytes()), kid_age=6)
    unrotated = analyse_drawing(encode(stored, "JPEG", quality=92), kid_age=6)

    assert (rotated.details["width"], rotated.details["height"]) == (400, 300)
    assert "a big sky" in rotated.subjects and "grassy ground" in rotated.subjects
    assert (unrotated.details["width"], unrotated.details["height"]) == (300, 400)
    assert "a big sky" not in unrotated.subjects


def test_load_drawing_returns_upright_rgb_within_max_side() -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    data = encode(Image.new("RGB", (1600, 800), "white"), "JPEG", exif=exif.tobytes())
    img = load_drawing(data, max_side=200)

    assert img.mode == "RGB"
    assert img.size == (100, 200)


def _transparent_red_square() -> Image.Image:
    img = Image.new("RGBA", (300, 240), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((90, 70, 210, 170), fill=(*RED, 255))
    return img


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: encode(_transparent_red_square()), id="RGBA-transparent"),
        pytest.param(lambda: encode(red_square().convert("RGBA")), id="RGBA-opaque"),
        pytest.param(lambda: encode(red_square().quantize(16)), id="P"),
        pytest.param(lambda: encode(_transparent_red_square().convert("P")), id="P-transparent"),
        pytest.param(lambda: encode(red_square().convert("CMYK"), "JPEG"), id="CMYK-jpeg"),
        pytest.param(lambda: encode(red_square(), "GIF"), id="GIF"),
    ],
)
def test_colour_modes_find_the_red_on_white_paper(make) -> None:  # type: ignore[no-untyped-def]
    result = analyse_drawing(make(), kid_age=5)

    assert result.details["background"].startswith("#f") or result.details["background"] in (
        "#ffffff",
    )
    assert is_reddish(result.palette[0]), result.palette
    assert result.colour_names[0] == "cherry red"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: encode(red_square().convert("L")), id="L"),
        pytest.param(lambda: encode(_transparent_red_square().convert("LA")), id="LA"),
        pytest.param(
            lambda: encode(red_square().convert("1", dither=Image.Dither.NONE)), id="1-bit"
        ),
        pytest.param(
            lambda: encode(
                Image.fromarray(np.asarray(red_square().convert("L")).astype(np.uint16) * 257)
            ),
            id="I;16",
        ),
    ],
)
def test_greyscale_modes_find_a_grey_or_black_shape(make) -> None:  # type: ignore[no-untyped-def]
    result = analyse_drawing(make(), kid_age=5)

    assert result.details["background"] == "#ffffff"
    assert len(result.palette) == 1
    assert result.colour_names[0] in {"charcoal grey", "pencil grey", "midnight black"}


def test_tiny_image_is_rejected_with_its_size() -> None:
    with pytest.raises(InvalidImage, match=r"image too small \(20x40\), at least 32x32"):
        analyse_drawing(encode(Image.new("RGB", (20, 40), "white")), kid_age=5)


@pytest.mark.parametrize("size", [(10_000, 5_000), (20_000, 20_000)])
def test_huge_dimensions_are_rejected_before_decoding(size: tuple[int, int]) -> None:
    start = time.perf_counter()
    with pytest.raises(InvalidImage, match="image too large"):
        analyse_drawing(png_header_only(*size), kid_age=5)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not an image: the file is empty"),
        (b"hello, this is a text file", "not an image"),
        (b"%PDF-1.7\n", "not an image"),
        (encode(red_square(), "TIFF"), "not an image"),
    ],
)
def test_non_images_are_rejected(data: bytes, message: str) -> None:
    with pytest.raises(InvalidImage, match=message):
        analyse_drawing(data, kid_age=5)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_files_are_rejected(fmt: str) -> None:
    data = encode(sky_and_grass(), fmt)
    with pytest.raises(InvalidImage, match="truncated"):
        analyse_drawing(data[: len(data) // 2], kid_age=5)


def test_invalid_image_is_a_value_error() -> None:
    assert issubclass(InvalidImage, ValueError)


def test_big_photo_is_fast() -> None:
    base = sky_and_grass((4000, 3000))
    noise = np.random.default_rng(0).integers(-8, 9, (3000, 4000, 3))
    photo = Image.fromarray(np.clip(np.asarray(base, dtype=np.int16) + noise, 0, 255).astype("u1"))
    data = encode(photo, "JPEG", quality=90)
    analyse_drawing(data, kid_age=5)  # warm-up: first call pays for imports and caches

    start = time.perf_counter()
    result = analyse_drawing(data, kid_age=5)
    elapsed = time.perf_counter() - start

    assert (result.details["width"], result.details["height"]) == (4000, 3000)
    assert "a big sky" in result.subjects
    # Typically ~60 ms; the bound is loose so a busy CI machine does not flake.
    assert elapsed < 0.6


# --- the committed samples ------------------------------------------------------------------


def test_sample_garden_drawing() -> None:
    result = analyse_drawing((SAMPLES / "drawing.png").read_bytes(), kid_age=6)

    assert {"a shining sun", "a big sky", "grassy ground"} <= set(result.subjects)
    assert {"grass green", "sky blue", "sunny yellow"} <= set(result.colour_names)
    assert result.details["background_name"] == "snow white"


def test_sample_space_drawing() -> None:
    result = analyse_drawing((SAMPLES / "drawing.jpg").read_bytes(), kid_age=6)

    assert result.details["dark_paper"] is True
    assert "twinkling stars" in result.subjects
    assert "navy blue" not in result.colour_names


@pytest.mark.parametrize("name", ["drawing.png", "drawing.jpg"])
def test_samples_are_small_enough_to_commit(name: str) -> None:
    path = SAMPLES / name
    assert path.stat().st_size < 300 * 1024
    with Image.open(path) as img:
        assert min(img.size) >= 800


# --- cover ------------------------------------------------------------------------------------


def open_png(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    img.load()
    return img


def test_cover_without_drawing_is_a_png_of_the_requested_size() -> None:
    img = open_png(paint_cover(title="The Dragon Who Loved Pancakes", palette=("#ffd42a",)))
    assert img.size == (1024, 1024)

    wide = open_png(paint_cover(title="Wide", palette=(), size=(800, 500)))
    assert wide.size == (800, 500)


def test_cover_frames_the_drawing() -> None:
    drawing = (SAMPLES / "drawing.jpg").read_bytes()
    plain = open_png(paint_cover(title="Leo's Rocket", palette=("#7248a8", "#c3a83c")))
    framed = open_png(
        paint_cover(title="Leo's Rocket", palette=("#7248a8", "#c3a83c"), drawing=drawing)
    )

    assert framed.size == (1024, 1024)

    # The navy paper of the drawing shows up in the middle of the cover, and only there.
    def navy_share(img: Image.Image) -> float:
        centre = np.asarray(img.convert("RGB").crop((312, 462, 712, 862)), dtype=np.float32)
        return float((np.abs(centre - NAVY).sum(axis=2) < 60).mean())

    assert navy_share(framed) > 0.4
    assert navy_share(plain) < 0.1  # only dark title letters there


def test_cover_is_deterministic_and_varies_with_the_title() -> None:
    first = paint_cover(title="Mia's Garden", palette=("#3aa639", "#6cc0f0"))
    second = paint_cover(title="Mia's Garden", palette=("#3aa639", "#6cc0f0"))
    other = paint_cover(title="Mia's Orchard", palette=("#3aa639", "#6cc0f0"))

    assert first == second
    assert first != other


def test_long_title_shrinks_and_wraps_to_three_lines() -> None:
    unit = 1024
    width = 1024 - 2 * round(unit * 0.06) - round(unit * 0.08)
    short_px, short_lines = cover_module._fit_title("A Rainy Day", width, unit * 0.1, unit)
    long_title = " ".join(["The Extraordinarily Long Journey of Captain Whiskers"] * 4)
    long_px, long_lines = cover_module._fit_title(long_title, width, unit * 0.1, unit)

    assert short_lines == ["A Rainy Day"]
    assert long_px < short_px
    assert len(long_lines) == 3
    assert long_lines[-1].endswith("…")
    font = cover_module._font(long_px)
    assert all(font.getlength(line) <= width for line in long_lines)

    img = open_png(paint_cover(title=long_title, palette=(), drawing=None, size=(1024, 1536)))
    assert img.size == (1024, 1536)


def test_unbreakable_word_is_split_to_fit() -> None:
    font = cover_module._font(60)
    lines = cover_module._wrap("Supercalifragilisticexpialidocious" * 2, font, 400)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 400 for line in lines)


def test_empty_palette_and_junk_colours_fall_back() -> None:
    assert cover_module._cover_colours(()) == list(cover_module.FALLBACK_PALETTE[:2])
    assert cover_module._cover_colours(("nope", "#12", "#000000", "#808080")) == list(
        cover_module.FALLBACK_PALETTE[:2]
    )
    assert cover_module._cover_colours(("#f00",))[0] == (255, 0, 0)
    img = open_png(paint_cover(title="Anything", palette=("nope", "#12")))
    assert img.size == (1024, 1024)


def test_empty_title_still_paints_a_cover() -> None:
    img = open_png(paint_cover(title="  \n ", palette=("#6cc0f0",), size=(300, 400)))
    assert img.size == (300, 400)


@pytest.mark.parametrize("bad", [b"", b"definitely not a picture", b"\x89PNG\r\n\x1a\n"])
def test_cover_rejects_bad_drawing_bytes(bad: bytes) -> None:
    with pytest.raises(InvalidImage):
        paint_cover(title="Oops", palette=(), drawing=bad)


@pytest.mark.parametrize("size", [(0, 1024), (10, 10), (5000, 1024)])
def test_cover_rejects_silly_sizes(size: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="cover size"):
        paint_cover(title="Size", palette=(), size=size)


def test_cover_works_without_any_system_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cover_module, "FONT_DIRS", (Path("/nonexistent-fonts"),))
    cover_module._font_path.cache_clear()
    cover_module._font.cache_clear()
    try:
        assert cover_module._font_path() is None
        data = paint_cover(title="Bundled Font Story", palette=("#ff8fc8",))
        assert open_png(data).size == (1024, 1024)
    finally:
        cover_module._font_path.cache_clear()
        cover_module._font.cache_clear()


def test_title_ink_has_strong_contrast_on_the_band() -> None:
    band = (250, 250, 250)
    for palette in (["#ffd42a"], ["#6cc0f0", "#3aa639"], ["#fff0a0"], ["#c2187a"]):
        colours = cover_module._cover_colours(tuple(palette))
        ink = cover_module._ink_colour(colours, band)
        assert cover_module._contrast(ink, band) >= 7
