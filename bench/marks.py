"""Marks on the page that are not digits, as coverage maps (0..1): what a reader must leave unread.

Two families: `mark_shape` makes the `distractors` suite's marks (Hershey letters, scribbles, dots and long
lines at a fixed pen width); `hand_mark` makes the `marks` suite's, drawn by hand at the same pen width as the
digits beside them: letters in script and simplex fonts, crosses, plus and minus signs, scribbles, dots and
short strokes, each line a little wobbly. No mark is a digit look-alike: letters like O, l, S, Z, B, g, q are
left out, and a straight stroke is never within `min_tilt` of vertical (it would be a fair "1").
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from bench.pen import trim

SHIFT = 4  # polylines get sub-pixel points (1/16 px)


@dataclass(frozen=True)
class MarkParams:
    letters: str = "ACEFHKMNPRUVWXYacehkmnprtuvwxy"  # no digit look-alikes (O, I, l, S, Z, B, G, g, q ...)
    line_length: tuple[int, int] = (150, 320)  # straight strokes, longer than any digit in that suite
    min_tilt: float = 25.0  # degrees away from vertical, so a straight stroke is never a tall "1"
    dot_radius: tuple[int, int] = (2, 5)
    scribble_points: tuple[int, int] = (7, 12)
    stroke: tuple[int, int] = (2, 4)  # pen width of the distractors' letters, scribbles and lines, pixels
    # hand-drawn marks (the `marks` suite), sizes as shares of the mark's height
    hand_kinds: tuple[str, ...] = ("letter", "letter", "letter", "cross", "plus", "minus", "scribble", "dot", "stroke",
                                   "comma", "question", "paren")
    hand_fonts: tuple[int, ...] = (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
                                   cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN)
    wobble: float = 0.03  # sideways wander of a hand-drawn line
    sign_size: tuple[float, float] = (0.35, 0.7)  # crosses, plus and minus signs next to a digit
    stroke_length: tuple[float, float] = (0.3, 0.8)
    # a short stroke nearer vertical than this is a fair "1": the singles45 suite turns 1s up to 45 degrees
    stroke_min_tilt: float = 55.0
    dot_size: tuple[float, float] = (0.8, 2.0)  # a dot's diameter, in pen widths
    # punctuation: a comma (its length, of the height) sits on the line's foot; a "?" ends in a dot `point_gap`
    # of the height below its stroke; a parenthesis is an arc `paren_sweep` degrees wide. No "!": at a
    # camera's resolution its dot is a speck, and a lone upright stroke is a fair "1"
    comma_size: tuple[float, float] = (0.25, 0.45)
    point_gap: float = 0.12
    paren_sweep: tuple[float, float] = (70.0, 120.0)
    # handwritten words (the `words` suite): every letter, look-alikes of digits (o, l, s, z, g, q, b) included,
    # since in a word they are letters all the same; a capital first now and then
    word_letters: str = "abcdefghijklmnopqrstuvwxyz"
    # the `text` suite's words: common English ones, as in notes, a letter or a poem; many hold look-alikes
    # (all, will, so, go, is, big, look) that random letters rarely string together
    vocabulary: tuple[str, ...] = (
        "the", "and", "all", "will", "day", "long", "is", "so", "go", "to", "of", "in", "on", "at", "my", "by",
        "see", "soon", "look", "good", "big", "old", "still", "off", "too", "also", "sold", "bill", "ball", "tall",
        "this", "that", "with", "from", "your", "have", "were", "they", "been", "said", "each", "which", "she",
        "how", "their", "time", "if", "would", "make", "like", "him", "into", "has", "two", "more", "write",
        "number", "way", "could", "people", "than", "first", "water", "call", "who", "its", "now", "find",
        "down", "side", "did", "get", "come", "made", "may", "part", "over", "new", "sound", "take", "only",
        "little", "work", "know", "place", "year", "live", "me", "back", "give", "most", "very", "after", "thing",
        "our", "just", "name", "sentence", "man", "think", "say", "great", "where", "help", "through", "much",
        "before", "line", "right", "mean", "same", "tell", "boy", "follow", "came", "want", "show", "around",
        "form", "three", "small", "set", "put", "end", "does", "another", "well", "large", "must", "even",
        "such", "because", "turn", "here", "why", "ask", "went", "men", "read", "need", "land", "different",
        "home", "us", "move", "try", "kind", "hand", "picture", "again", "change", "play", "spell", "air",
        "away", "animal", "house", "point", "page", "letter", "mother", "answer", "found", "study", "learn",
        "should", "world", "high", "every", "near", "add", "food", "between", "own", "below", "country", "plant",
        "last", "school", "father", "keep", "tree", "never", "start", "city", "earth", "eye", "light", "thought",
        "head", "under", "story", "saw", "left", "few", "while", "along", "might", "close", "something", "seem",
        "next", "hard", "open", "example", "begin", "life", "always", "those", "both", "paper", "together", "got",
        "group", "often", "run", "important", "until", "children", "feet", "car", "mile", "night", "walk",
        "white", "sea", "began", "grow", "took", "river", "four", "carry", "state", "once", "book", "hear",
        "stop", "without", "second", "later", "miss", "idea", "enough", "eat", "face", "watch", "far", "Indian",
        "real", "almost", "let", "above", "girl", "sometimes", "mountain", "cut", "young", "talk", "list",
        "song", "being", "leave", "family", "Monday", "March", "total", "date", "price",
    )
    word_length: tuple[int, int] = (2, 7)
    capital_share: float = 0.3
    word_size: tuple[float, float] = (0.7, 1.0)  # a word's capital height, in digit heights
    # a share of the words printed letter by letter, as a poem or a form is filled in by hand: letters apart by
    # `letter_gap` of the word's height (one spacing per word), each up to `letter_jitter` off the line
    print_share: float = 0.5
    letter_gap: tuple[float, float] = (0.05, 0.3)
    letter_jitter: float = 0.04


DEFAULT = MarkParams()


def mark_shape(rng: np.random.Generator, kind: str, size: float, p: MarkParams = DEFAULT) -> np.ndarray:
    """A distractor: a Hershey letter, a scribble, a dot or a long line."""
    thickness = int(rng.integers(p.stroke[0], p.stroke[1] + 1))
    if kind == "letter":
        font = int(rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
                               cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX]))
        return letter(p.letters[int(rng.integers(len(p.letters)))], font, size, thickness)
    if kind == "dot":
        r = int(rng.integers(p.dot_radius[0], p.dot_radius[1] + 1))
        canvas = np.zeros((2 * r + 5, 2 * r + 5), np.uint8)
        cv2.circle(canvas, (r + 2, r + 2), r, 255, -1, cv2.LINE_AA)
    elif kind == "line":
        length = rng.uniform(*p.line_length)
        tilt = np.deg2rad(rng.uniform(p.min_tilt, 180 - p.min_tilt))  # from vertical
        dx, dy = length * np.sin(tilt), length * np.cos(tilt)
        pad = thickness + 2
        canvas = np.zeros((int(abs(dy)) + 2 * pad, int(abs(dx)) + 2 * pad), np.uint8)
        start = (pad, pad if dy >= 0 else int(abs(dy)) + pad)
        end = (int(pad + abs(dx)), int(pad + abs(dy)) if dy >= 0 else pad)
        cv2.line(canvas, start, end, 255, thickness, cv2.LINE_AA)
    else:
        path, pad = scribble(rng, size, p), thickness + 2
        canvas = np.zeros((int(size) + 2 * pad, int(size) + 2 * pad), np.uint8)
        cv2.polylines(canvas, [np.round(path + pad).astype(np.int32)], False, 255, thickness, cv2.LINE_AA)
    return trim(canvas.astype(np.float32) / 255.0)


def letter(text: str, font: int, size: float, thickness: int, gap: float = 0.0, offsets: tuple[int, ...] = (),
           margin: int = 0) -> np.ndarray:
    """Hershey-font letters about `size` pixels tall, set one by one: `gap` pixels more than the font leaves
    between them, each raised or lowered by its `offsets` pixels (within `margin`)."""
    scale = cv2.getFontScaleFromHeight(font, max(8, round(size)), thickness)
    sizes = [cv2.getTextSize(ch, font, scale, thickness) for ch in text]
    rise = max(h for (_, h), _ in sizes)
    pad = thickness + 2 + margin
    canvas = np.zeros((rise + max(b for _, b in sizes) + 2 * pad, sum(w for (w, _), _ in sizes) + round(gap * len(text)) + 2 * pad),
                      np.uint8)
    x = float(pad)
    for ch, ((w, _), _), offset in zip(text, sizes, offsets or (0,) * len(text)):
        cv2.putText(canvas, ch, (round(x), rise + pad + offset), font, scale, 255, thickness, cv2.LINE_AA)
        x += w + gap
    return trim(canvas.astype(np.float32) / 255.0)


def hand_word(rng: np.random.Generator, height: float, width: float, p: MarkParams = DEFAULT,
              english: bool = False) -> np.ndarray:
    """A word of random letters (or, `english`, one of `vocabulary`) in one script or simplex font beside
    digits `height` pixels tall written with a pen `width` pixels wide: letters as close as the font sets them
    (joined in the script fonts) or, as people print by hand, each on its own, spaced apart and a little off
    the line."""
    if english:
        text = p.vocabulary[int(rng.integers(len(p.vocabulary)))]
    else:
        n = int(rng.integers(p.word_length[0], p.word_length[1] + 1))
        text = "".join(p.word_letters[int(rng.integers(len(p.word_letters)))] for _ in range(n))
    if rng.random() < p.capital_share:
        text = text[0].upper() + text[1:]
    font = p.hand_fonts[int(rng.integers(len(p.hand_fonts)))]
    size = height * rng.uniform(*p.word_size)
    if rng.random() >= p.print_share:
        return letter(text, font, size, max(1, round(width)))
    gap = size * rng.uniform(*p.letter_gap)
    margin = round(p.letter_jitter * size)
    offsets = tuple(round(rng.uniform(-1, 1) * p.letter_jitter * size) for _ in text)
    return letter(text, font, size, max(1, round(width)), gap, offsets, margin)


def scribble(rng: np.random.Generator, size: float, p: MarkParams = DEFAULT) -> np.ndarray:
    """A tangle of random points within a `size` square joined by a smoothed path."""
    n = int(rng.integers(p.scribble_points[0], p.scribble_points[1] + 1))
    points = rng.uniform(0, size, (n, 2))
    t = np.linspace(0, n - 1, n * 12)
    path = np.stack([np.interp(t, np.arange(n), points[:, k]) for k in (0, 1)], 1)
    return cv2.GaussianBlur(path.astype(np.float32).reshape(-1, 1, 2), (1, 31), 0).reshape(-1, 2)


def draw(paths: list[np.ndarray], width: float) -> np.ndarray:
    """Pen paths ((n, 2) points, any origin) drawn `width` pixels wide, as a trimmed coverage map."""
    thickness = max(1, round(width))
    low = np.min([path.min(0) for path in paths], axis=0)
    high = np.max([path.max(0) for path in paths], axis=0)
    pad = thickness + 2
    canvas = np.zeros((int(high[1] - low[1]) + 2 * pad + 1, int(high[0] - low[0]) + 2 * pad + 1), np.uint8)
    points = [np.round((path - low + pad) * (1 << SHIFT)).astype(np.int32) for path in paths]
    cv2.polylines(canvas, points, False, 255, thickness, cv2.LINE_AA, shift=SHIFT)
    return trim(canvas.astype(np.float32) / 255.0)


def hand_line(rng: np.random.Generator, start: np.ndarray, end: np.ndarray, wobble: float) -> np.ndarray:
    """A straight-ish line from start to end, wandering sideways by up to `wobble` of its length."""
    t = np.linspace(0, 1, 12)[:, None]
    along = end - start
    normal = np.array([-along[1], along[0]]) / max(float(np.hypot(*along)), 1e-6)
    bend = np.convolve(rng.normal(0, 1, 16), np.ones(5) / 5, "valid")[:12, None]  # a smooth wander
    return start + t * along + normal * bend * wobble * float(np.hypot(*along)) * np.sin(np.pi * t)


def tilted(rng: np.random.Generator, length: float, min_tilt: float, max_tilt: float = 90.0) -> np.ndarray:
    """A vector `length` long at `min_tilt`..`max_tilt` degrees from vertical, leaning either way."""
    tilt = np.deg2rad(rng.uniform(min_tilt, max_tilt)) * (1 if rng.random() < 0.5 else -1)
    return np.array([np.sin(tilt), np.cos(tilt)]) * length


def hand_mark(rng: np.random.Generator, kind: str, height: float, width: float, p: MarkParams = DEFAULT) -> np.ndarray:
    """A hand-drawn mark about as tall as a digit `height` pixels tall, with a pen `width` pixels wide."""
    if kind == "letter":
        font = p.hand_fonts[int(rng.integers(len(p.hand_fonts)))]
        return letter(p.letters[int(rng.integers(len(p.letters)))], font, height * rng.uniform(0.6, 1.0),
                      max(1, round(width)))
    if kind == "scribble":
        return draw([scribble(rng, height * rng.uniform(0.4, 1.0), p)], width)
    if kind == "dot":
        return draw([np.zeros((2, 2))], max(width * rng.uniform(*p.dot_size), 2.0))
    if kind in PUNCTUATION:
        return PUNCTUATION[kind](rng, height, width, p)
    size = height * rng.uniform(*p.sign_size)
    if kind == "stroke":
        half = tilted(rng, height * rng.uniform(*p.stroke_length) / 2, p.stroke_min_tilt)
        return draw([hand_line(rng, -half, half, p.wobble)], width)
    if kind == "minus":
        half = tilted(rng, size / 2, 80.0, 100.0)
        return draw([hand_line(rng, -half, half, p.wobble)], width)
    lean = rng.uniform(-12, 12) + (45.0 if kind == "cross" else 0.0)  # plus: upright; cross: turned 45 degrees
    bars = []
    for angle in (lean, lean + 90 + rng.uniform(-10, 10)):
        half = np.array([np.sin(np.deg2rad(angle)), np.cos(np.deg2rad(angle))]) * size / 2
        bars.append(hand_line(rng, -half, half, p.wobble))
    return draw(bars, width)


def arc(centre: tuple[float, float], radius: float, start: float, end: float) -> np.ndarray:
    """Points along a circle from `start` to `end` degrees (0: right, 90: down, as image rows run)."""
    t = np.deg2rad(np.linspace(start, end, 24))
    return np.stack([centre[0] + radius * np.cos(t), centre[1] + radius * np.sin(t)], 1)


def comma(rng: np.random.Generator, height: float, width: float, p: MarkParams) -> np.ndarray:
    """A comma on the line's foot: a short tail curling down to the left, padded above to the line's height."""
    size = height * rng.uniform(*p.comma_size)
    tail = np.array([[0.0, 0.0], [0.05 * size, 0.45 * size], [-0.3 * size, size]])
    shape = draw([tail, arc((0.0, 0.0), 0.35 * width, 0, 360)], 1.3 * width)
    return np.pad(shape, ((max(0, round(0.9 * height) - shape.shape[0]), 0), (0, 0)))


def question(rng: np.random.Generator, height: float, width: float, p: MarkParams) -> np.ndarray:
    """A question mark: a hook over the top, a stem down the middle and its dot `point_gap` below."""
    r = 0.2 * height * rng.uniform(0.8, 1.2)
    hook = arc((0.0, r), r, rng.uniform(160, 200), 450)  # over the top, down the right, back to the middle
    stem = hand_line(rng, hook[-1], hook[-1] + np.array([0.0, 0.7 * height - 2 * r]), p.wobble)
    point = stem[-1] + np.array([0.0, (p.point_gap + 0.05) * height])
    return draw([hook, stem, arc(tuple(point), 0.3 * width, 0, 360)], width)


def paren(rng: np.random.Generator, height: float, width: float, p: MarkParams) -> np.ndarray:
    """A "(" or ")": an arc of `paren_sweep` degrees whose chord is 0.9 of the height."""
    sweep = rng.uniform(*p.paren_sweep)
    radius = 0.45 * height / np.sin(np.deg2rad(sweep / 2))
    middle = 180.0 if rng.random() < 0.5 else 0.0  # "(" or ")"
    return draw([arc((0.0, 0.0), radius, middle - sweep / 2, middle + sweep / 2)], width)


PUNCTUATION = {"comma": comma, "question": question, "paren": paren}
