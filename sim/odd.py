"""The generated parts of the ODD document: its parameter and outcome tables.

``docs/ODD.md`` holds two tables between HTML comment markers. Both are built here from
the code (the scenario schema through :func:`sim.scenario.params.parameter_table`, and
:data:`sim.outcomes.OUTCOMES`), so the document cannot drift from the model:
``python -m sim.odd`` rewrites them, and a test fails when they are stale.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.outcomes import OUTCOMES
from sim.scenario.fields import ASSUMPTION
from sim.scenario.params import format_value, markdown_table, parameter_table

ODD_PATH = Path("docs/ODD.md")


def parameter_section() -> str:
    """The parameter table of the ODD document, as Markdown.

    One row per parameter path of the scenario schema: meaning, unit, default (as written
    in a scenario file), allowed range and source. A source that is an assumption is set
    in bold, so the reader sees at a glance which figures come from no data.
    """
    rows = parameter_table()
    default = [
        format_value(v, required=r) for v, r in zip(rows["default"], rows["required"], strict=True)
    ]
    source = [f"**{s}**" if s == ASSUMPTION else s for s in rows["source"]]
    table = pd.DataFrame(
        {
            "path": rows["path"],
            "meaning": rows["description"],
            "unit": rows["unit"],
            "default": default,
            "range": rows["range"],
            "source": source,
        }
    )
    return markdown_table(table, code=("path", "default"))


def outcome_section() -> str:
    """The outcome table of the ODD document, as Markdown (from ``sim.outcomes.OUTCOMES``)."""
    table = pd.DataFrame(
        [
            {
                "name": name,
                "label": o.label,
                "group": o.group,
                "unit": o.unit,
                "description": o.description,
            }
            for name, o in OUTCOMES.items()
        ]
    )
    return markdown_table(table, code=("name",))


SECTIONS: dict[str, Callable[[], str]] = {
    "parameters": parameter_section,
    "outcomes": outcome_section,
}


def refresh(text: str) -> str:
    """Return ``text`` with every generated section replaced by a fresh one.

    Raises:
        ValueError: if a section's start or end marker is missing or appears twice.
    """
    for name, build in SECTIONS.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        if text.count(start) != 1 or text.count(end) != 1:
            raise ValueError(f"the document needs exactly one '{start}' and one '{end}'")
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise ValueError(f"'{start}' must come before '{end}'")
        fresh = f"{start}\n{build()}\n{end}"
        text = pattern.sub(lambda _m, fresh=fresh: fresh, text)
    return text


def update_odd(path: Path = ODD_PATH) -> bool:
    """Rewrite the generated tables of the ODD document at ``path``.

    Returns:
        Whether the file changed (it is written only then).
    """
    path = Path(path)
    old = path.read_text(encoding="utf-8")
    new = refresh(old)
    if new == old:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m sim.odd [PATH]`` updates the ODD document's tables."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else ODD_PATH
    changed = update_odd(path)
    print(f"{'Updated' if changed else 'Up to date:'} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
