"""Words the credits domain stores as codes: registries, project types, countries, SDGs.

Registries and project types are data, not an enum: a project may name a registry this
list does not know (a code of capital letters), and pages fall back to the code.
"""

from __future__ import annotations

import re

from babel import Locale

from neutralpoint.numbers import DecimalCommaError, parse_decimal
from neutralpoint.refusals import FieldError, problem, refuse

KNOWN_REGISTRIES: dict[str, dict[str, str]] = {
    "CDCER": {
        "en": "Carbon Benefits Chengdu emission reductions (CDCER)",
        "zh-Hans": "成都“碳惠天府”碳减排量(CDCER)",
    },
    "CCER": {"en": "China Certified Emission Reduction (CCER)", "zh-Hans": "国家核证自愿减排量(CCER)"},
    "VCS": {"en": "Verra Verified Carbon Standard (VCS)", "zh-Hans": "Verra 核证碳标准(VCS)"},
    "GS": {"en": "Gold Standard (GS)", "zh-Hans": "黄金标准(GS)"},
    "CDM": {"en": "UN Clean Development Mechanism (CDM)", "zh-Hans": "联合国清洁发展机制(CDM)"},
    "PURO": {"en": "Puro.earth", "zh-Hans": "Puro.earth"},
}

PROJECT_TYPES: dict[str, dict[str, str]] = {
    "forestry": {"en": "Forestry and carbon sinks", "zh-Hans": "林业碳汇"},
    "renewable_energy": {"en": "Renewable energy", "zh-Hans": "可再生能源"},
    "methane": {"en": "Methane capture and biogas", "zh-Hans": "甲烷回收与沼气"},
    "cookstoves": {"en": "Clean cookstoves", "zh-Hans": "清洁炉灶"},
    "energy_efficiency": {"en": "Energy efficiency", "zh-Hans": "节能增效"},
    "transport": {"en": "Low-carbon transport", "zh-Hans": "低碳交通"},
    "blue_carbon": {"en": "Blue carbon (wetlands, mangroves)", "zh-Hans": "蓝碳(湿地、红树林)"},
    "waste": {"en": "Waste management", "zh-Hans": "废弃物管理"},
}

_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "QO", "UN", "XA", "XB"})
COUNTRIES = frozenset(
    code
    for code in map(str, Locale("en").territories)
    if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)

SDG_NUMBERS = range(1, 18)

_REGISTRY_CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,19}$")
_PROJECT_TYPE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def registry_name(code: str, lang: str = "en") -> str:
    names = KNOWN_REGISTRIES.get(code)
    return names.get(lang, names["en"]) if names else code


def project_type_name(code: str, lang: str = "en") -> str:
    names = PROJECT_TYPES.get(code)
    return names.get(lang, names["en"]) if names else code.replace("_", " ")


def check_registry_code(value: str, field: str = "registry_code") -> str:
    code = (value or "").strip().upper()
    if not _REGISTRY_CODE.match(code):
        raise refuse(
            field,
            problem(
                "registry_format",
                "A registry is a short code of capital letters, such as CDCER, CCER, VCS or GS.",
                "登记簿为大写字母组成的简短代码，例如 CDCER、CCER、VCS 或 GS。",
            ),
        )
    return code


def check_project_type(value: str, field: str = "project_type") -> str:
    code = (value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if not _PROJECT_TYPE.match(code):
        raise refuse(
            field,
            problem(
                "project_type_format",
                "A project type is a short code of lower-case letters, such as forestry.",
                "项目类型为小写字母组成的简短代码，例如 forestry。",
            ),
        )
    return code


def check_country(value: str, field: str = "country") -> str:
    code = (value or "").strip().upper()
    if code not in COUNTRIES:
        raise refuse(
            field,
            problem(
                "country_format",
                "Enter the two-letter ISO 3166 country code, such as CN.",
                "请输入两个字母的 ISO 3166 国家代码，例如 CN。",
            ),
        )
    return code


def check_coordinate(value: str | None, field: str, limit: int) -> str | None:
    """A latitude (limit 90) or longitude (limit 180) kept as the decimal text entered."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        number = parse_decimal(text)
    except DecimalCommaError:
        raise refuse(field, FieldError("decimal_comma")) from None
    except ValueError:
        raise refuse(
            field,
            problem("not_a_number", "Enter decimal degrees, such as 30.6586.", "请输入十进制度数，例如 30.6586。"),
        ) from None
    if abs(number) > limit or len(text) > 16:
        raise refuse(
            field,
            problem(
                "out_of_range",
                "Enter decimal degrees between -{limit} and {limit}.",
                "请输入 -{limit} 到 {limit} 之间的十进制度数。",
                limit=limit,
            ),
        )
    return text


def check_sdgs(values: object, field: str = "sdgs") -> list[int]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise refuse(
            field,
            problem(
                "sdgs_format",
                "List the UN Sustainable Development Goals by number (1 to 17).",
                "请按编号（1 到 17）列出联合国可持续发展目标。",
            ),
        )
    numbers: list[int] = []
    for value in values:
        try:
            number = int(str(value))
        except ValueError:
            raise refuse(
                field,
                problem(
                    "sdgs_format",
                    "Sustainable Development Goals are numbers from 1 to 17.",
                    "可持续发展目标的编号为 1 到 17。",
                ),
            ) from None
        if number not in SDG_NUMBERS:
            raise refuse(
                field,
                problem(
                    "sdgs_format",
                    "Sustainable Development Goals are numbers from 1 to 17.",
                    "可持续发展目标的编号为 1 到 17。",
                ),
            )
        if number not in numbers:
            numbers.append(number)
    return sorted(numbers)
