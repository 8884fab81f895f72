"""Orientation and skew estimation on synthetic scans with known angles."""

from __future__ import annotations

import pytest

from pipeline.model import PageImage
from plugins.deskew import projection
from tests import synth


def _page(angle: float, upside_down: bool = False):  # type: ignore[no-untyped-def]
    page = synth.blank_page()
    texts = {(r, c): f"{(r + 1) * 1234.56 + c:,.2f}" for r in range(1, 8) for c in range(1, 4)}
    texts.update({(r, 0): f"20{r:02d}01" for r in range(1, 8)})
    synth.draw_table(page, 150, 150, [260, 260, 260, 260], [60] * 8, texts=texts)
    return synth.scan(page, angle=angle, upside_down=upside_down)


@pytest.mark.parametrize("angle", [-7.5, -2.3, -0.4, 0.0, 1.1, 3.8, 9.2])
def test_skew_within_a_tenth_of_a_degree(angle: float) -> None:
    est = projection.estimate(_page(angle))
    assert est.rotation == 0
    assert abs(est.skew - angle) <= 0.1


def test_upside_down_page_is_turned(engine) -> None:  # type: ignore[no-untyped-def]
    est = projection.estimate(_page(1.5, upside_down=True), engine)  # a reader that knows upright text
    assert est.rotation == 180
    assert abs(est.skew - 1.5) <= 0.1


def test_upright_page_is_not_turned(glyph_engine) -> None:  # type: ignore[no-untyped-def]
    assert projection.estimate(_page(-1.0), glyph_engine).rotation == 0


def test_blank_page_has_no_skew() -> None:
    est = projection.estimate(synth.scan(synth.blank_page()))
    assert est.skew == 0.0 and est.confidence == 0.0


def test_hook_estimate_orientation(glyph_engine, config) -> None:  # type: ignore[no-untyped-def]
    page = PageImage(source="synthetic", page_number=1, gray=_page(2.0), dpi=200)
    est = projection.estimate_orientation(page=page, engine=glyph_engine, config=config)
    assert est.rotation == 0 and abs(est.skew - 2.0) <= 0.1


class _ScriptedEngine:
    """Reads a crop as upright text when its top-left pixel is dark, as garbage when it is light."""

    def __init__(self) -> None:
        self.read = 0

    def recognize_lines(self, crops):  # type: ignore[no-untyped-def]
        from pipeline.interfaces import LineRecognition

        self.read += len(crops)
        return [LineRecognition("一般公共服务", 0.95) if c[0, 0] < 128 else LineRecognition("口", 0.2)
                for c in crops]


def _read_digits(engine: _ScriptedEngine, crops):  # type: ignore[no-untyped-def]
    from pipeline.interfaces import LineRecognition

    engine.read += len(crops)
    return [LineRecognition("1,234.56", 0.99) if c[0, 0] < 128 else LineRecognition("9", 0.2) for c in crops]


def _crop(upright: bool):  # type: ignore[no-untyped-def]
    import numpy as np

    c = np.full((20, 60), 230, np.uint8)
    c[0, 0] = 0 if upright else 230  # turned by 180°, the marker moves to the bottom-right corner
    c[-1, -1] = 230 if upright else 0
    return c


def test_orientation_vote_reads_more_crops_only_when_the_first_do_not_decide() -> None:
    clear = _ScriptedEngine()
    flipped, margin = projection.upside_down_vote([_crop(True)] * 8, clear)
    assert not flipped and margin > projection.CLEAR_MARGIN
    assert clear.read == projection.MIN_UPRIGHT_CROPS  # three confident CJK lines as they are: no turned reading
    digits = _ScriptedEngine()
    digits.recognize_lines = lambda crops: _read_digits(digits, crops)  # type: ignore[method-assign]
    flipped, margin = projection.upside_down_vote([_crop(True)] * 8, digits)
    assert not flipped and margin > projection.CLEAR_MARGIN
    # digits never decide as they are: three heads, then four crops both ways
    assert digits.read == projection.MIN_UPRIGHT_CROPS + 2 * projection.FIRST_CROPS
    mixed = _ScriptedEngine()
    flipped, _ = projection.upside_down_vote([_crop(True), _crop(False)] * 4, mixed)
    assert mixed.read == 3 + 16 and not flipped  # not all confident as they are; a split vote reads every crop
    down = _ScriptedEngine()
    assert projection.upside_down_vote([_crop(False)] * 8, down)[0]
    assert down.read == 3 + 8


def test_line_head_cuts_a_long_line_between_characters() -> None:
    import numpy as np

    line = np.full((20, 600), 230, np.uint8)
    for x in range(0, 600, 25):
        line[4:16, x + 3: x + 21] = 20  # "characters" 18 px wide, 7 px apart
    head = projection.line_head(line)
    limit = projection.HEAD_ASPECT * 20
    assert 0.7 * limit <= head.shape[1] <= limit
    assert (head[:, -1] > 128).all()  # cut in a gap, not through a character
    short = line[:, : int(limit)]
    assert projection.line_head(short) is short


def test_profile_sharpness_is_the_plain_formula() -> None:
    import math

    import numpy as np

    rng = np.random.default_rng(0)
    xs, ys = (rng.integers(-800, 800, 20000).astype(np.float64) for _ in range(2))
    for angle in (-9.75, -0.02, 0.0, 3.5):
        a = math.radians(angle)
        yr = np.round(ys * math.cos(a) + xs * math.sin(a) - (ys * math.cos(a) + xs * math.sin(a)).min())
        h = np.bincount(yr.astype(np.int64)).astype(np.float64)
        assert projection.profile_sharpness(xs, ys, angle) == float(np.dot(h, h))
        # with the search's buffers: the lowest point is looked for in the top band only, same result
        work = projection._work(xs, ys, 10.0)
        assert len(work[4]) < len(ys) / 2
        assert projection.profile_sharpness(xs, ys, angle, work) == float(np.dot(h, h))


def test_upright_check_reads_short_heads_of_the_first_crops_only() -> None:
    import numpy as np

    seen: list[tuple[int, int]] = []

    class _Engine(_ScriptedEngine):
        def recognize_lines(self, crops):  # type: ignore[no-untyped-def]
            seen.extend(c.shape for c in crops)
            return super().recognize_lines(crops)

    line = np.full((20, 600), 230, np.uint8)
    for x in range(0, 600, 25):
        line[4:16, x + 3: x + 21] = 20
    line[0, 0] = 0  # read as upright text by the scripted engine
    flipped, _ = projection.upside_down_vote([line] * 8, _Engine())
    assert not flipped
    assert len(seen) == projection.MIN_UPRIGHT_CROPS  # no turned reading, no fourth crop
    assert all(w <= projection.HEAD_ASPECT * h for h, w in seen)  # about five characters, not the whole line


@pytest.mark.parametrize("turn", [0, 1])
def test_projection_estimate_runs_the_fine_search_of_the_chosen_direction_only(turn: int) -> None:
    import numpy as np

    gray = np.ascontiguousarray(np.rot90(_page(2.4), turn))
    rotation, angle, _ = projection.projection_estimate(gray)
    small, _ = projection.downscale(gray)
    xs, ys = projection._points(projection.ink_mask(small), np.random.default_rng(0))
    assert rotation == 90 * turn
    assert angle == projection.best_projection_angle(*((ys, -xs) if turn else (xs, ys)))[0]


def test_projection_estimate_is_kept_for_a_page_while_the_next_one_is_estimated(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The look-ahead thread may estimate the next page between a page's two orientation calls (without and
    with the engine): the page's own estimate is still reused, not made again."""
    import numpy as np

    first, second = np.ascontiguousarray(_page(2.4)), np.ascontiguousarray(np.rot90(_page(-1.0)))
    made: list[int] = []
    real = projection.projection_estimate
    monkeypatch.setattr(projection, "projection_estimate", lambda g: made.append(id(g)) or real(g))
    monkeypatch.setattr(projection, "_LAST", [])
    a = projection._projection_once(first)
    b = projection._projection_once(second)  # the next page, read ahead
    assert projection._projection_once(first) == a and projection._projection_once(second) == b
    assert made == [id(first), id(second)] and a != b
