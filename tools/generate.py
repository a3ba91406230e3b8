"""Write the files generated from the project's registries, or check that they are current.

    python -m tools.generate           # make generate: write them
    python -m tools.generate --check   # make lint: exit 1, naming each stale file

The indicator registry (``src/broker_segments/indicators.yml``, read by the package as
``broker_segments.project.INDICATOR_REGISTRY``) is the one home of each indicator's facts;
from it come the macros ``indicator_columns()`` and ``twin_input_columns()``
(``macros/segmentation/indicator_columns.sql``) and the indicator table of ``docs/domain.md``
(between its two ``generated`` markers). Edit the registry and run ``make generate``; a
generated file edited by hand is overwritten.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from broker_segments.project import INDICATOR_REGISTRY, TWIN_TRANSFORMS

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = "src/broker_segments/indicators.yml"
MACRO_FILE = ROOT / "macros" / "segmentation" / "indicator_columns.sql"
DOMAIN_FILE = ROOT / "docs" / "domain.md"
TABLE_START = f"<!-- generated from {REGISTRY} by make generate: edit the registry -->"
TABLE_END = "<!-- end of generated -->"


def jinja_list(names: list[str]) -> str:
    """A Jinja list literal of names, wrapped at 100 columns inside the macro's return."""
    items = ", ".join(f"'{name}'" for name in names) + ","
    return "\n".join(
        textwrap.wrap(items, width=92, initial_indent=" " * 8, subsequent_indent=" " * 8)
    )


def indicator_macros() -> str:
    names = [entry["name"] for entry in INDICATOR_REGISTRY]
    return f"""{{#
    Generated from {REGISTRY} (make generate): edit the registry.

    The numeric indicators of customer_indicators (docs/domain.md), in the domain's order:
    the columns a segmentation scheme may take as inputs and a profile describes.
#}}
{{% macro indicator_columns() %}}
    {{{{ return([
{jinja_list(names)}
    ]) }}}}
{{% endmacro %}}

{{#
    The indicators a new customer's short history measures, which the functions that place
    new customers may take (var new_customer_twin_inputs; docs/domain.md): the registry's
    indicators with a twin_transform.
#}}
{{% macro twin_input_columns() %}}
    {{{{ return([
{jinja_list(list(TWIN_TRANSFORMS))}
    ]) }}}}
{{% endmacro %}}
"""


def domain_table(text: str) -> str:
    """docs/domain.md with its indicator table (between the markers) from the registry."""
    if TABLE_START not in text or TABLE_END not in text:
        raise SystemExit(f"{DOMAIN_FILE}: the markers of the indicator table are missing")
    rows = ["| column | 中文 | formula over W |", "|---|---|---|"]
    rows += [
        f"| `{entry['name']}` | {entry['term']} | {entry['formula']} |"
        for entry in INDICATOR_REGISTRY
    ]
    before, rest = text.split(TABLE_START, 1)
    after = rest.split(TABLE_END, 1)[1]
    return f"{before}{TABLE_START}\n" + "\n".join(rows) + f"\n{TABLE_END}{after}"


def generated() -> dict[Path, str]:
    """Each generated file and the text the registries give it."""
    return {
        MACRO_FILE: indicator_macros(),
        DOMAIN_FILE: domain_table(DOMAIN_FILE.read_text(encoding="utf-8")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on a stale file, write none")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated().items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(text, encoding="utf-8")
    if args.check and stale:
        names = ", ".join(str(path) for path in stale)
        print(f"generated files differ from the registries: {names}; run make generate")
        return 1
    if not args.check:
        print(f"wrote {len(stale)} generated file(s)" if stale else "generated files are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
