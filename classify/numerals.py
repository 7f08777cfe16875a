"""Numerals as reports write them: Arabic, full-width, Chinese and mixed (`1.2万`, `三千余`).

Evaluators compare cities by the numbers in their reports, and the same quantity is written
`12000`, `1.2万`, `一万二千` or `１２０００` depending on who typed it. These small pure functions turn
any of those into one value, so the figures extractor (classify/figures.py) never has to care.

Vague suffixes (`余`, `多`, `几`: "more than", "some") are not part of the value. They are reported
separately, because "三千余家" is stated as *more than* 3000 and an evaluator must see that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Width and script folding ---------------------------------------------------------------------

# Full-width ASCII (digits, letters, ％ ． ＋ － ～ ＞ ＜ ／ ：) and a few traditional characters
# that carry numbers, units and comparators. Every mapping is one character to one character, so a
# folded text has the same offsets as the original and a figure's span can be cut from either.
_FOLD_TABLE: dict[int, str] = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
# Traditional characters of numerals, units, comparators and the indicator, kind and period words,
# each with its one simplified character, so traditional copies of a report give the same figures.
# Only characters that are traditional and nothing else are listed (not 乾, 後, 著…).
_TRADITIONAL = (
    "萬万億亿兩两點点餘余幾几數数個个戶户項项臺台條条張张冊册種种處处棟栋輛辆組组筆笔場场畝亩噸吨"
    "門门顆颗隻只間间時时鐘钟約约達达過过於于將将劃划預预標标計计較较長长與与從从內内並并為为佔占"
    "纖纤維维網网絡络蓋盖寬宽帶带據据電电務务資资業业產产費费規规額额銷销聯联統统開开設设轉转創创"
    "眾众熱热軟软體体製制區区鄉乡鎮镇環环爭争擬拟減减實实現现總总訊讯視视頻频線线廣广傳传雲云礎础"
    "備备終终積积衛卫醫医療疗員员單单價价歷历來来還还圖图書书館馆貨货運运輸输庫库齡龄學学華华廠厂"
    "頁页號号屆届際际參参選选車车鏈链貿贸營营購购協协會会議议專专準准歲岁"
)
_FOLD_TABLE |= {ord("\u3000"): " ", ord("〜"): "~"}
_FOLD_TABLE |= {ord(_TRADITIONAL[i]): _TRADITIONAL[i + 1] for i in range(0, len(_TRADITIONAL), 2)}
# ，（full-width comma）and ；：stay as they are: they end clauses, and folding them to ASCII would
# let "15%，20%" read as one number with a thousands separator.
for _keep in "，；：（）":
    _FOLD_TABLE.pop(ord(_keep), None)


def fold(text: str) -> str:
    """Given text, returns it with full-width ASCII and numeral-bearing traditional characters
    folded (`７８．５％` → `78.5%`, `萬` → `万`). Same length, same offsets."""
    return text.translate(_FOLD_TABLE)


# Chinese numerals -----------------------------------------------------------------------------

CN_DIGITS: dict[str, int] = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    # 大写 (financial) forms, as on contracts and some budget tables
    "壹": 1,
    "贰": 2,
    "叁": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
}
CN_SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000, "拾": 10, "佰": 100, "仟": 1000}
CN_BIG_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000}
MULTIPLIERS: dict[str, int] = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
APPROX_SUFFIXES = "余多几"

CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)

_ARABIC_RE = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
_MIXED_RE = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)([十百千万亿]*)")
_SUFFIX_RE = re.compile(f"[{APPROX_SUFFIXES}]")


@dataclass(frozen=True, slots=True)
class Numeral:
    """A parsed numeral: its value, the vague suffix written with it (`余`, `多`, `几` or None),
    whether it carried a 十/百/千/万/亿 multiplier (a range such as `3至5万` lends the second
    number's multiplier to the first only when the first has none), and whether it was written
    as a percentage (`百分之十五`, `15%`: value 15)."""

    value: float
    suffix: str | None = None
    multiplied: bool = False
    percent: bool = False  # written 百分之N or N%


def _to_float(number: Decimal) -> float:
    """Decimal to float, returning integers exactly (1536.2 × 10⁸ is 153620000000.0, not …00002)."""
    integral = number.to_integral_value()
    return float(int(integral)) if number == integral else float(number)


def parse_arabic(text: str) -> float | None:
    """`12,345.6` → 12345.6; None unless the whole string is an Arabic number (half-width, so
    fold first)."""
    if not _ARABIC_RE.fullmatch(text):
        return None
    return _to_float(Decimal(text.replace(",", "")))


def parse_mixed(text: str) -> float | None:
    """An Arabic number with Chinese multipliers: `1.2万` → 12000, `3千` → 3000, `20.38亿` →
    2038000000, `5千万` → 50000000. Multipliers multiply in turn, as in `1.5万亿`."""
    match = _MIXED_RE.fullmatch(text)
    if not match:
        return None
    try:
        number = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        return None
    for char in match.group(2):
        number *= MULTIPLIERS[char]
    return _to_float(number)


def _digit_string(text: str) -> int | None:
    """`二〇一六` → 2016: digits read one by one, as years and codes are written."""
    if not text or any(c not in CN_DIGITS for c in text):
        return None
    return int("".join(str(CN_DIGITS[c]) for c in text))


def parse_chinese_integer(text: str) -> int | None:
    """`一万二千` → 12000, `十五` → 15, `两千` → 2000, `一百零五` → 105, `三万亿` → 3×10¹²,
    `二〇一六` → 2016, `百` → 100. The spoken elision `一万二` (12000) and `三千五` (3500) is
    read as meant: a last digit after a unit counts in the next unit down. None if malformed."""
    if not text:
        return None
    if len(text) > 1 and all(c in CN_DIGITS for c in text):
        return _digit_string(text)
    total = 0  # completed 亿 groups
    high = 0  # completed 万 group below the current 亿
    section = 0  # below 万
    digit: int | None = None
    last_unit = 0  # value of the unit character just before the pending digit (0: none / 零)
    previous_unit = 0  # the last unit seen, to catch 十十 or 百千 (units must fall)
    for char in text:
        if char in CN_DIGITS:
            if digit is not None and digit != 0 and CN_DIGITS[char] != 0:
                return None  # two digits in a row inside a unit numeral: 一二百
            if CN_DIGITS[char] == 0:
                last_unit = 0
            digit = CN_DIGITS[char]
        elif char in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[char]
            if previous_unit and unit >= previous_unit and previous_unit < 10_000:
                return None
            section += (1 if digit is None else digit) * unit
            digit = None
            last_unit = unit
            previous_unit = unit
        elif char == "万":
            if section == 0 and digit is None and high == 0 and total == 0:
                section = 1  # a lone 万 (as in 近万) is ten thousand
            high += (section + (digit or 0)) * 10_000
            section, digit, last_unit, previous_unit = 0, None, 10_000, 10_000
        elif char == "亿":
            if section == 0 and digit is None and high == 0 and total == 0:
                section = 1
            total = (total + high + section + (digit or 0)) * 100_000_000
            high, section, digit, last_unit, previous_unit = 0, 0, None, 100_000_000, 0
        else:
            return None
    tail = digit or 0
    if digit and last_unit >= 100 and text[-2] not in CN_DIGITS:
        tail = digit * last_unit // 10  # 一万二 = 12000, 三千五 = 3500
    return total + high + section + tail


def parse_chinese(text: str) -> float | None:
    """Chinese numerals with an optional decimal part and multipliers: `三点五` → 3.5,
    `一点二万` → 12000, as well as every form of parse_chinese_integer."""
    if "点" not in text:
        value = parse_chinese_integer(text)
        return None if value is None else float(value)
    whole, _, rest = text.partition("点")
    integer = parse_chinese_integer(whole) if whole else 0
    if integer is None:
        return None
    digits = ""
    index = 0
    while index < len(rest) and rest[index] in CN_DIGITS:
        digits += str(CN_DIGITS[rest[index]])
        index += 1
    if not digits:
        return None
    number = Decimal(f"{integer}.{digits}")
    for char in rest[index:]:
        if char not in MULTIPLIERS:
            return None
        number *= MULTIPLIERS[char]
    return _to_float(number)


def split_suffix(text: str) -> tuple[str, str | None]:
    """`三千余` → (`三千`, `余`); `十余万` → (`十万`, `余`); `1万多` → (`1万`, `多`). The first
    vague suffix is returned; the numeral is what is left."""
    match = _SUFFIX_RE.search(text)
    if match is None:
        return text, None
    return _SUFFIX_RE.sub("", text), match.group()


def parse_numeral(text: str) -> Numeral | None:
    """Any numeral a report writes, with its vague suffix apart: `1.2万` → 12000, `三千余` →
    3000 (余), `百分之十五` → 15 (percent), `１２` → 12. None when `text` is not one numeral."""
    core, suffix = split_suffix(fold(text).strip())
    percent = False
    if core.startswith("百分之"):
        core, percent = core[3:], True
    elif core.endswith("%"):
        core, percent = core[:-1].rstrip(), True
    if not core:
        return None
    if core[0].isdigit():
        value = parse_arabic(core)
        if value is None:
            value = parse_mixed(core)
        multiplied = core[-1] in MULTIPLIERS
    else:
        value = parse_chinese(core)
        multiplied = core[-1] in "万亿"
    if value is None:
        return None
    return Numeral(value=value, suffix=suffix, multiplied=multiplied, percent=percent)


def multiplier_tail(text: str) -> str:
    """The trailing multipliers of a numeral that a range's first number borrows: `5万` → `万`,
    `1000万` → `万`, `五万` → `万`, `3千万` → `千万`, `15` → ``. For Chinese numerals only 万 and
    亿 count (`五十`'s 十 is part of the number, not a multiplier)."""
    core, _ = split_suffix(text)
    if not core:
        return ""
    if core[0].isdigit():
        match = _MIXED_RE.fullmatch(core)
        return match.group(2) if match else ""
    index = len(core)
    while index > 0 and core[index - 1] in "万亿":
        index -= 1
    return core[index:]


# Arabic to Chinese (for display and for round-trip tests) --------------------------------------

_DIGIT_NAMES = "零一二三四五六七八九"


def _four_digits(n: int) -> str:
    """0 < n < 10000 → its Chinese reading inside one 万 group, with 零 for gaps."""
    out = ""
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, unit)
        if digit:
            if zero and out:
                out += "零"
            out += _DIGIT_NAMES[digit] + name
            zero = False
        else:
            zero = True
    return out


def to_chinese(n: int) -> str:
    """12000 → 一万二千, 105 → 一百零五, 15 → 十五, 100010000 → 一亿零一万: the standard reading,
    for any 0 ≤ n < 10¹⁶."""
    if n < 0 or n >= 10**16:
        raise ValueError(f"{n} is out of the range reports write in Chinese numerals")
    if n == 0:
        return "零"
    out = _below_yi(n) if n < 100_000_000 else _with_yi(n)
    if out.startswith("一十"):
        out = out[1:]  # 十五, not 一十五
    return out


def _below_yi(n: int) -> str:
    """0 < n < 10⁸ → `…万…` with 零 where a group's leading digits are missing."""
    high, low = divmod(n, 10_000)
    if not high:
        return _four_digits(low)
    out = _four_digits(high) + "万"
    if low:
        out += ("零" if low < 1000 else "") + _four_digits(low)
    return out


def _with_yi(n: int) -> str:
    """n ≥ 10⁸ → `…亿…`, the part above 亿 read as a number of its own (`一万二千亿`)."""
    high, low = divmod(n, 100_000_000)
    out = _below_yi(high) + "亿"
    if low:
        out += ("零" if low < 10_000_000 else "") + _below_yi(low)
    return out
