"""Context: a digit with letter-sized ink right beside it is a letter inside a word."""
from __future__ import annotations

import cv2
import numpy as np

from edge.context import ContextParams, between_digits, bow, dotted, in_words, lean, not_ones, words_of_letters


def page() -> np.ndarray:
    return np.zeros((100, 300), np.uint8)


def test_tall_ink_right_beside_a_digit_makes_it_part_of_a_word():
    binary = page()
    binary[20:60, 100:104] = 1  # the "digit"
    binary[30:60, 108:112] = 1  # a letter 4 px away, three quarters of its height
    assert in_words([(100, 20, 4, 40)], [], binary) == [True]


def test_a_comma_far_ink_or_another_crop_beside_a_digit_do_not():
    binary = page()
    binary[20:60, 100:104] = 1
    binary[55:62, 106:108] = 1  # a comma: too short
    binary[20:60, 140:150] = 1  # a letter, but 36 px away (gap 0.2 * 40 = 8 px)
    assert in_words([(100, 20, 4, 40)], [], binary) == [False]
    binary[20:60, 108:112] = 1  # tall ink beside it that is another crop (a digit the model turned down)
    assert in_words([(100, 20, 4, 40)], [(108, 20, 4, 40)], binary) == [False]


def test_letters_beside_a_digit_count_inside_a_crop_of_several_joined_lines():
    binary = page()
    binary[20:40, 100:103] = 1  # the "digit"
    binary[25:40, 105:108] = 1  # a letter beside it whose descender joins it to the lines below
    binary[40:95, 106:108] = 1
    binary[80:95, 105:160] = 1
    joined = (105, 25, 55, 70)  # the crop the segmentation made of them
    assert in_words([(100, 20, 3, 20)], [joined], binary) == [True]
    assert in_words([(100, 20, 3, 20)], [joined], binary, ContextParams(joined=4.0)) == [False]  # 70 < 4 * 20


def test_dots_of_dotted_paper_in_a_column_do_not_count():
    binary = page()
    binary[20:60, 100:104] = 1
    binary[20:60:8, 107] = 1  # a column of dots spanning the digit's height, none of them tall
    assert in_words([(100, 20, 4, 40)], [], binary) == [False]


def pieces(binary: np.ndarray) -> np.ndarray:
    """The segmentation's joined pieces (x, y, w, h, pixels), here simply the 8-connected components."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8), connectivity=8)
    return stats[1:].astype(np.int64)


def box_of(binary: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[int, int, int, int]:
    binary[y : y + h, x : x + w] = 1
    return x, y, w, h


def test_a_word_of_more_letters_than_digits_drops_its_digits():
    binary = page()
    digits = [box_of(binary, 100, 20, 20, 40), box_of(binary, 124, 30, 20, 30)]  # "S" and "o", read as 5 and 0
    letters = [box_of(binary, 148, 30, 20, 30), box_of(binary, 172, 30, 20, 30), box_of(binary, 196, 30, 20, 30)]
    assert words_of_letters(digits, letters, pieces(binary)) == [True, True]
    binary[:, 196:] = 0
    assert words_of_letters(digits, letters[:2], pieces(binary)) == [True, True]  # a tie of two letters is a word
    binary[:, 124:] = 0
    one = [box_of(binary, 124, 30, 20, 30)]
    assert words_of_letters(digits[:1], one, pieces(binary)) == [False]  # one digit beside one mark keeps it
    assert words_of_letters(digits[:1], one, pieces(binary), ContextParams(tie_letters=1)) == [True]


def test_a_word_with_one_look_alike_more_than_letters_is_a_word_a_longer_number_is_not():
    binary = page()
    symbols = [box_of(binary, 100 + 24 * k, 20, 20, 40) for k in range(6)]
    # "qlqfu": three look-alikes read as digits, two letters
    assert words_of_letters(symbols[:3], symbols[3:5], pieces(binary[:, :220])) == [True] * 3
    # four digits of a number and two doubted ones: the digits stay
    assert words_of_letters(symbols[:4], symbols[4:], pieces(binary)) == [False] * 4
    strict = ContextParams(digit_lead=0)
    assert words_of_letters(symbols[:3], symbols[3:5], pieces(binary[:, :220]), strict) == [False] * 3


def test_uncropped_ink_counts_as_letters_by_its_width():
    binary = page()
    digits = [box_of(binary, 100, 20, 20, 40)]
    box_of(binary, 124, 30, 60, 30)  # "ars" joined into one piece no crop covers: two letters by its width
    assert words_of_letters(digits, [], pieces(binary)) == [True]


def test_letters_beyond_a_word_space_a_line_a_comma_or_a_rule_do_not_count():
    binary = page()
    digits = [box_of(binary, 100, 20, 20, 40), box_of(binary, 124, 20, 20, 40)]
    far = [box_of(binary, 164 + 24 * k, 30, 20, 30) for k in range(3)]  # a word 20 px away (gap 0.2 * 40 = 8 px)
    box_of(binary, 146, 52, 3, 10)  # a comma: too short
    below = [box_of(binary, 100 + 24 * k, 70, 20, 25) for k in range(3)]  # a word on the next line
    ruled = [box_of(binary, 92, 15, 4, 50), box_of(binary, 148, 15, 4, 50)]  # dotted rules cut into thin crops
    assert words_of_letters(digits, far + below + ruled, pieces(binary)) == [False, False]
    alone = page()
    digits = [box_of(alone, 100, 20, 20, 40), box_of(alone, 124, 20, 20, 40)]
    cv2.line(alone, (150, 20), (290, 95), 1, 2)  # a long thin line starting right beside them
    assert words_of_letters(digits, [], pieces(alone)) == [False, False]


def test_a_lone_digit_cut_in_pieces_or_a_line_through_a_number_is_no_word():
    binary = page()
    stroke = [box_of(binary, 100, 30, 30, 30), box_of(binary, 130, 20, 30, 40), box_of(binary, 160, 30, 30, 30)]
    joined = np.array([[100, 20, 90, 40, 2400]])  # one piece of ink: a long turned 5 cut into three crops
    assert words_of_letters(stroke[1:2], [stroke[0], stroke[2]], joined) == [False]
    number = [box_of(binary, 200, 20, 20, 40), box_of(binary, 224, 20, 20, 40)]
    rule = np.array([[190, 40, 80, 30, 400]])  # what is left of a ruled line running through both digits
    assert words_of_letters(number, [], np.vstack([pieces(binary), rule])) == [False, False]


def test_without_pieces_the_crops_alone_decide():
    digits, letters = [(100, 20, 20, 40)], [(124, 20, 20, 40), (148, 20, 20, 40)]
    assert words_of_letters(digits, letters, np.zeros((0, 5), np.int64)) == [True]


def stroke(angle: float, size: int = 60) -> np.ndarray:
    """A straight stroke leaning `angle` degrees from upright, white on black."""
    ink = np.zeros((size, size), np.uint8)
    dx, dy = 25 * np.sin(np.radians(angle)), 25 * np.cos(np.radians(angle))
    c = size / 2
    cv2.line(ink, (round(c - dx), round(c + dy)), (round(c + dx), round(c - dy)), 255, 5)
    return ink


def test_lean_is_zero_upright_and_ninety_flat():
    assert abs(lean(stroke(0))) < 2 and abs(lean(stroke(90)) - 90) < 2
    assert abs(lean(stroke(40)) - 40) < 3 and abs(lean(stroke(-40)) - 40) < 3  # either way
    assert lean(np.zeros((10, 10), np.uint8)) == 0.0


def test_a_flat_one_beside_a_digit_is_a_dash_but_alone_or_upright_it_stays():
    digit, dash = (100, 20, 30, 50), (140, 35, 50, 25)  # a digit, and a "1" on its line 10 px to its right
    flat, upright, square = stroke(65), stroke(10), np.full((50, 30), 255, np.uint8)
    assert not_ones([digit, dash], [4, 1], [square, flat]) == [False, True]
    assert not_ones([dash], [1], [flat]) == [False]  # a lone digit may be turned any way
    assert not_ones([digit, dash], [4, 1], [square, upright]) == [False, False]
    assert not_ones([digit, dash], [4, 7], [square, flat]) == [False, False]  # only 1s: a turned 7 has a bar
    far = (100 + 30 + 60, 35, 50, 25)  # 60 px from the digit, more than one height (50) away
    assert not_ones([digit, far], [4, 1], [square, flat]) == [False, False]
    assert not_ones([digit, dash], [4, 1], [square, flat], ContextParams(one_tilt=70)) == [False, False]


def arc(sweep: float, size: int = 60) -> np.ndarray:
    """A parenthesis: an arc of `sweep` degrees whose chord is 50 px, upright, white on black."""
    ink = np.zeros((size, size), np.uint8)
    radius = 25 / np.sin(np.radians(sweep / 2))
    t = np.radians(np.linspace(-sweep / 2, sweep / 2, 40))
    left = size / 2 - 5  # where the chord stands; the arc bows out to the right of it, as ")"
    points = np.stack([left + radius * (np.cos(t) - np.cos(np.radians(sweep / 2))), size / 2 + radius * np.sin(t)], 1)
    cv2.polylines(ink, [np.round(points).astype(np.int32)], False, 255, 4)
    return ink


def test_bow_is_the_sagitta_over_the_length():
    assert bow(stroke(0)) < 0.02 and bow(stroke(40)) < 0.02  # straight, upright or leaning
    assert 0.12 < bow(arc(70)) < 0.2 and 0.25 < bow(arc(120)) < 0.33  # (1 - cos(s/2)) / (2 sin(s/2)): 0.16, 0.29
    speck = stroke(0)
    speck[5:9, 50:54] = 255  # a speck beside the stroke is not part of it
    assert bow(speck) < 0.02
    assert bow(np.zeros((10, 10), np.uint8)) == 0.0


def test_a_bowed_one_is_a_parenthesis_anywhere():
    paren, digit = (100, 20, 30, 60), (140, 20, 30, 60)
    assert not_ones([paren], [1], [arc(90)]) == [True]  # alone, too
    assert not_ones([digit, paren], [4, 1], [np.full((60, 30), 255, np.uint8), arc(90)]) == [False, True]
    assert not_ones([paren], [7], [arc(90)]) == [False]  # only 1s: a 7 or a 2 bows on its own
    assert not_ones([paren], [1], [stroke(15)]) == [False]
    assert not_ones([paren], [1], [arc(90)], ContextParams(one_bow=0.3)) == [False]


def dotted_stroke(dot: tuple[int, int, int, int] | None = None, joint: int = 0) -> np.ndarray:
    """An upright stroke 5 px wide from y=30 to y=70 in a 90x40 crop, and a filled rectangle (x, y, w, h) apart
    from it; `joint`: the grey of a line joining the two (0: none)."""
    ink = np.zeros((90, 40), np.uint8)
    cv2.line(ink, (20, 30), (20, 70), 255, 5)
    if dot is not None:
        x, y, w, h = dot
        if joint:
            cv2.line(ink, (x + w // 2, y + h // 2), (20, 50), joint, 2)
        ink[y:y + h, x:x + w] = 255
    return ink


def test_a_round_dot_apart_above_or_below_a_one_makes_an_i_or_an_exclamation_mark():
    above, below = dotted_stroke((17, 14, 7, 7)), dotted_stroke((18, 78, 6, 6))
    assert dotted(above) and dotted(below)
    assert not_ones([(0, 0, 40, 90)], [1], [above]) == [True]
    assert not_ones([(0, 0, 40, 90)], [7], [above]) == [False]  # only 1s
    assert not dotted(dotted_stroke())
    assert not dotted(dotted_stroke((18, 14, 2, 2)))  # a speck thinner than the pen is noise
    assert not dotted(dotted_stroke((18, 6, 5, 16)))  # a long piece is a broken-off part of the stroke
    assert not dotted(dotted_stroke((33, 14, 7, 7)))  # off the stroke's columns
    assert not dotted(dotted_stroke((17, 14, 7, 7), joint=110))  # faint ink joins it to the stroke
    assert not dotted(above, ContextParams(dot_size=2.0))


def test_between_digits_needs_a_like_digit_close_on_either_side():
    left, right, crop = (100, 50, 30, 50), (200, 52, 30, 48), (150, 50, 30, 50)  # 20 px gaps, heights 48-50
    assert between_digits(crop, [left, right])
    assert not between_digits(crop, [left]) and not between_digits(crop, [right])
    assert not between_digits(crop, [left, (200, 130, 30, 50)])  # the right one on another line
    assert not between_digits(crop, [left, (200, 40, 30, 90)])  # nor a digit nearly twice as tall
    assert not between_digits(crop, [left, (300, 50, 30, 50)])  # 120 px away: more than one height
    assert between_digits(crop, [left, (178, 50, 30, 50)])  # touching the next digit, a little overlapped
    assert not between_digits(crop, [left, right], [(182, 50, 15, 50)])  # a letter nearer on its right: "2 bq 2"
    assert between_digits(crop, [left, right], [(250, 50, 30, 50)])  # a letter beyond the digit is no matter


def test_a_look_alike_in_a_word_printed_letter_by_letter_is_a_letter():
    binary = page()
    s = box_of(binary, 100, 20, 20, 40)  # an "S" read as 5, then "tar" printed 12 px apart (0.3 of its height)
    letters = [box_of(binary, 132 + 32 * k, 30, 20, 30) for k in range(3)]
    assert words_of_letters([s], letters, pieces(binary)) == [True]
    assert words_of_letters([s], letters, pieces(binary), ContextParams(letter_gap=0.2)) == [False]
    # beside two marks only ("5 + x") the digit stays; a shorter word may be asked for
    assert words_of_letters([s], letters[:2], pieces(binary[:, :192])) == [False]
    assert words_of_letters([s], letters[:2], pieces(binary[:, :192]), ContextParams(word_letters=2)) == [True]


def test_a_look_alike_with_letters_on_both_sides_is_a_letter():
    binary = page()  # "mOst": an "o" read as 0, one letter before it and two after, 12 px apart
    m = box_of(binary, 100, 30, 20, 30)
    o = box_of(binary, 132, 30, 20, 30)
    st = [box_of(binary, 164 + 32 * k, 30, 20, 30) for k in range(2)]
    assert words_of_letters([o], [m] + st, pieces(binary)) == [True]
    assert words_of_letters([o], [m] + st, pieces(binary), ContextParams(word_letters=4)) == [False]
    # one letter on each side ("x0y") is no word yet
    assert words_of_letters([o], [m, st[0]], pieces(binary[:, :196])) == [False]


def test_a_number_printed_beside_a_word_keeps_its_digits():
    binary = page()
    number = [box_of(binary, 100, 20, 20, 40), box_of(binary, 124, 20, 20, 40)]  # "20" 4 px apart...
    letters = [box_of(binary, 156 + 32 * k, 30, 20, 30) for k in range(3)]  # ...12 px before a printed word
    assert words_of_letters(number, letters, pieces(binary)) == [False, False]
    alone = page()
    digit = box_of(alone, 100, 20, 20, 40)
    far = [box_of(alone, 140 + 32 * k, 30, 20, 30) for k in range(3)]  # a word a word-space (0.5) away
    assert words_of_letters([digit], far, pieces(alone)) == [False]
