"""Units: the written units figures come with, their canonical form and factor. A table apart
from the figure pipeline (classify.figures) so that the indicator catalogue
(classify.indicators) can check its units against it without importing the pipeline.

    canonical_unit  万/亿 expanded, 千兆 → 1000 Mbps, 千米 → 公里
"""

from __future__ import annotations

# Written unit → (canonical unit, factor). Counts keep their measure word; 万/亿 before a unit are
# part of the numeral (1.2万个), so they never appear here.
_COUNT_CHARS = "户个家人项台件次所座套条款部名位张本册种批处栋辆只例组颗篇笔场路枚支首集门期"
_COUNT_WORDS = (*_COUNT_CHARS, "人次", "册次", "户次", "家次", "家庭")
UNIT_TABLE: dict[str, tuple[str, float]] = {
    "%": ("%", 1),
    "‰": ("‰", 1),
    "个百分点": ("个百分点", 1),
    "百分点": ("个百分点", 1),
    "元": ("元", 1),
    "元人民币": ("元", 1),
    "人民币": ("元", 1),
    "美元": ("美元", 1),
    "港元": ("港元", 1),
    "欧元": ("欧元", 1),
    "日元": ("日元", 1),
    "Mbps": ("Mbps", 1),
    "Mb/s": ("Mbps", 1),
    "M": ("Mbps", 1),
    "兆": ("Mbps", 1),
    "兆比特": ("Mbps", 1),
    "Gbps": ("Mbps", 1000),
    "Gb/s": ("Mbps", 1000),
    "G": ("Mbps", 1000),
    "Tbps": ("Mbps", 1_000_000),
    "T": ("Mbps", 1_000_000),
    "公里": ("公里", 1),
    "千米": ("公里", 1),
    "km": ("公里", 1),
    "皮长公里": ("公里", 1),
    "芯公里": ("公里", 1),
    "平方米": ("平方米", 1),
    "平米": ("平方米", 1),
    "平方公里": ("平方公里", 1),
    "亩": ("亩", 1),
    "公顷": ("公顷", 1),
    "MB": ("MB", 1),
    "GB": ("GB", 1),
    "TB": ("TB", 1),
    "PB": ("PB", 1),
    "EB": ("EB", 1),
    "吨": ("吨", 1),
    "倍": ("倍", 1),
    "年": ("年", 1),
    "个月": ("个月", 1),
    "天": ("天", 1),
    "小时": ("小时", 1),
    "分钟": ("分钟", 1),
    "秒": ("秒", 1),
    "MW": ("MW", 1),
    "兆瓦": ("兆瓦", 1),
    "kW": ("kW", 1),
    "千瓦": ("千瓦", 1),
    "kWh": ("kWh", 1),
    "千瓦时": ("千瓦时", 1),
} | {word: (word, 1) for word in _COUNT_WORDS}
UNIT_TABLE["工作日"] = ("工作日", 1)
UNIT_TABLE["个工作日"] = ("工作日", 1)
CANONICAL_UNITS = frozenset(canonical for canonical, _ in UNIT_TABLE.values())
DURATIONS = frozenset({"年", "个月", "天", "小时", "分钟", "秒", "工作日"})


def canonical_unit(value: float, unit: str) -> tuple[float, str]:
    """(20.38亿's value, `元`) stays; (1, `G`) → (1000, `Mbps`); (5, `千米`) → (5, `公里`);
    (3, `百分点`) → (3, `个百分点`). Unknown units are kept as written."""
    canonical, factor = UNIT_TABLE.get(unit, (unit, 1))
    if factor != 1:
        value = float(round(value * factor, 6))
    return value, canonical
