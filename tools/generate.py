"""Write the files generated from the project's registries, or check that they are current.

    python -m tools.generate           # make generate: write them
    python -m tools.generate --check   # make lint: exit 1, naming each stale file

Two registries, each the one home of its facts, read by the package:
- the indicators (``src/broker_segments/indicators.yml``,
  ``broker_segments.project.INDICATOR_REGISTRY``): the macros ``indicator_columns()``,
  ``twin_input_columns()`` and ``indicator_minimums()``
  (``macros/segmentation/indicator_columns.sql``) and the indicator
  table of ``docs/domain.md`` (between its two ``generated`` markers) come from it;
- the fit's artifacts (``src/broker_segments/segmentation/artifacts.yml``,
  ``broker_segments.segmentation.artifacts.ARTIFACT_REGISTRY``): the macro
  ``artifact_catalogue()`` (``macros/segmentation/artifact_catalogue.sql``) and
  ``docs/artifacts.md``.
Edit a registry and run ``make generate``; a generated file edited by hand is overwritten.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from broker_segments.project import INDICATOR_REGISTRY, TWIN_TRANSFORMS
from broker_segments.segmentation.artifacts import ARTIFACT_REGISTRY

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = "src/broker_segments/indicators.yml"
MACRO_FILE = ROOT / "macros" / "segmentation" / "indicator_columns.sql"
DOMAIN_FILE = ROOT / "docs" / "domain.md"
TABLE_START = f"<!-- generated from {REGISTRY} by make generate: edit the registry -->"
TABLE_END = "<!-- end of generated -->"
ARTIFACT_REGISTRY_FILE = "src/broker_segments/segmentation/artifacts.yml"
CATALOGUE_FILE = ROOT / "macros" / "segmentation" / "artifact_catalogue.sql"
ARTIFACTS_DOC = ROOT / "docs" / "artifacts.md"


def jinja_list(names: list[str]) -> str:
    """A Jinja list literal of names, wrapped at 100 columns inside the macro's return."""
    items = ", ".join(f"'{name}'" for name in names) + ","
    return "\n".join(
        textwrap.wrap(items, width=92, initial_indent=" " * 8, subsequent_indent=" " * 8)
    )


def jinja_dict(values: dict[str, float]) -> str:
    """A Jinja dict literal's items, wrapped at 100 columns inside the macro's return."""
    items = ", ".join(f"'{name}': {value}" for name, value in values.items()) + ","
    return "\n".join(
        textwrap.wrap(items, width=92, initial_indent=" " * 8, subsequent_indent=" " * 8)
    )


def indicator_macros() -> str:
    names = [entry["name"] for entry in INDICATOR_REGISTRY]
    minimums = {
        entry["name"]: entry["minimum"] for entry in INDICATOR_REGISTRY if "minimum" in entry
    }
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

{{#
    The least value each indicator can take, for the indicators that have one (the others
    take any real): a segment explanation's target value below it is no path (docs/domain.md).
#}}
{{% macro indicator_minimums() %}}
    {{{{ return({{
{jinja_dict(minimums)}
    }}) }}}}
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


def jinja_pair(pair: list[str]) -> str:
    return "[" + ", ".join(f"'{item}'" for item in pair) + "]"


def catalogue_macro() -> str:
    """The macro artifact_catalogue(): each artifact's `diagnostics` entry, a Jinja literal."""
    entries = []
    for artifact in ARTIFACT_REGISTRY["artifacts"]:
        shape = artifact.get("diagnostics")
        if not shape:
            continue
        lines = [
            f"        '{artifact['name']}': {{",
            f"            'row_key': {jinja_pair(shape['row_key'])},",
        ]
        if "columns" in shape:
            lines.append("            'columns': [")
            lines += [f"                {jinja_pair(column)}," for column in shape["columns"]]
            lines.append("            ],")
            for key in ("optional", "not_shown"):
                if key in shape:
                    lines.append(f"            '{key}': {jinja_pair(shape[key])},")
        else:
            for key in ("column_key", "value"):
                lines.append(f"            '{key}': {jinja_pair(shape[key])},")
        lines.append("        },")
        entries.append("\n".join(lines))
    body = "\n".join(entries)
    return f"""{{#
    Generated from {ARTIFACT_REGISTRY_FILE} (make generate):
    edit the registry.

    The artifact catalogue as the diagnostics read it: per artifact a diagnostics model shows,
    what its row_key and column_keys are called there and their SQL types (the registry's
    `diagnostics`, whose two shapes, a table and a matrix, it describes). artifact_table()
    renders each diagnostics model from it. A literal (no call, no variable): the tests read
    it with plain Jinja. Arguments: _segmentation__macros.yml (beside this file).
#}}
{{% macro artifact_catalogue() %}}
    {{{{ return({{
{body}
    }}) }}}}
{{% endmacro %}}
"""


def cell(text: str) -> str:
    """A registry text as a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def artifacts_doc() -> str:
    """docs/artifacts.md: the registry as tables."""
    rows = ["| column | dtype | meaning |", "|---|---|---|"]
    rows += [
        f"| `{column['name']}` | {column['dtype']} | {cell(column['meaning'])} |"
        for column in ARTIFACT_REGISTRY["columns"]
    ]
    artifacts = [
        "| artifact | rows (row_key) | cells (column_key -> value / text_value) | diagnostics |"
    ]
    artifacts.append("|---|---|---|---|")
    for artifact in ARTIFACT_REGISTRY["artifacts"]:
        shape = artifact.get("diagnostics")
        if not shape:
            shown = "not shown"
        elif "columns" in shape:
            shown = f"a row per `{shape['row_key'][0]}`, a column per column_key"
        else:
            row, column, value = (shape[key][0] for key in ("row_key", "column_key", "value"))
            shown = f"a row per (`{row}`, `{column}`): `{value}`"
        texts = (cell(artifact["rows"]), cell(artifact["cells"]))
        artifacts.append(f"| `{artifact['name']}` | {texts[0]} | {texts[1]} | {shown} |")
    header = registry_comment(ROOT / ARTIFACT_REGISTRY_FILE)
    return f"""<!-- generated from {ARTIFACT_REGISTRY_FILE} by make generate: edit the registry -->
# The fit's artifacts

{header}

## The long frame's columns

{chr(10).join(rows)}

## The artifacts

{chr(10).join(artifacts)}
"""


def registry_comment(path: Path) -> str:
    """The prose of a registry: its leading comment, without the comment marks and the title."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(lines).strip()


def generated() -> dict[Path, str]:
    """Each generated file and the text the registries give it."""
    return {
        MACRO_FILE: indicator_macros(),
        DOMAIN_FILE: domain_table(DOMAIN_FILE.read_text(encoding="utf-8")),
        CATALOGUE_FILE: catalogue_macro(),
        ARTIFACTS_DOC: artifacts_doc(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on a stale file, write none")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
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
