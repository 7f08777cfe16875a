"""A corrected value as an evaluator types it (56万, 1.2亿, 百分之十五, １２,３４５), turned into a
number in the figure's own unit, or refused with a Chinese message that says why.

A figure is stored in the unit its report wrote (万元, 亿元, 户, %), and a correction must be in
that unit too: "1.2亿" for a figure in 万元 is 12000, not 120000000. Reading the multiplier that
the evaluator wrote against the one in the unit is what keeps a typed correction from being off
by ten thousand.
"""

from __future__ import annotations

from classify.numerals import parse_numeral
from models.tables import Figure

from .review import InvalidValue, NotFound, review_figure

_UNIT_SCALE = {"万": 10_000, "亿": 100_000_000}


def parse_correction(text: str, unit: str | None) -> float:
    """The value of `text` in `unit`; InvalidValue (Chinese, naming the input) when it is not a
    number, or a percentage given for a figure that is not one."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidValue("更正数据时必须给出正确的数值")
    sign = 1.0
    if raw[0] in "-−－":
        sign, raw = -1.0, raw[1:].strip()
    numeral = parse_numeral(raw.replace("，", ",").replace(" ", ""))
    if numeral is None:
        raise InvalidValue(
            f"无法识别的数值：{text}（可以写 560000、56万、1.2亿、15% 或 百分之十五）"
        )
    unit = (unit or "").strip()
    if numeral.percent and unit not in ("%", "％", "个百分点"):
        raise InvalidValue(f"“{text}”是百分数，但该数据的单位是 {unit or '无单位'}")
    value = numeral.value
    scale = _UNIT_SCALE.get(unit[:1], 1) if unit else 1
    if scale > 1 and numeral.multiplied:
        value = value / scale  # 1.2亿 typed for a figure in 万元 → 12000 (万元)
    # A bare number is taken in the figure's own unit, as the form says.
    return sign * value


def review_figure_as_typed(
    engine,
    figure_id: int,
    action: str,
    typed: str,
    *,
    user,
    expected_version: int,
    comment: str | None = None,
):
    """review_figure with the corrected value as the evaluator typed it, read in the figure's
    own unit (see parse_correction)."""
    from sqlmodel import Session

    value = None
    if action == "correct":
        with Session(engine) as session:
            row = session.get(Figure, figure_id)
        if row is None:
            raise NotFound(f"没有编号为 {figure_id} 的数据")
        value = parse_correction(typed, row.unit)
    return review_figure(
        engine,
        figure_id,
        action,
        user=user,
        expected_version=expected_version,
        corrected_value=value,
        comment=comment,
    )
