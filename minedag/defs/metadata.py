"""How results look in the Dagster UI: Markdown tables, text bars and inline PNG charts for asset metadata."""

import dagster as dg

from minedag.plots import markdown_image


def md_table(headers: list[str], rows: list[list[object]]) -> dg.MetadataValue:
    """A Markdown table for the UI's metadata panel (pipes in cells are escaped)."""
    cell = lambda v: str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines))


def bar(share: float, width: int = 20) -> str:
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled)


def distribution_cell(dist: dict) -> str:
    """A distribution in one table cell: a sparkline for a histogram, the top values otherwise."""
    if dist.get("kind") == "histogram":
        peak = max(dist["counts"]) or 1
        spark = "".join(" ▁▂▃▄▅▆▇█"[round(8 * c / peak)] for c in dist["counts"])
        return f"`{spark}` {dist['min']:g}–{dist['max']:g}"
    if dist.get("kind") == "top_values":
        return ", ".join(f"{v['value'][:24]} ({v['count']})" for v in dist["values"][:3])
    return ""


def image(png: bytes, alt: str) -> dg.MetadataValue:
    """A PNG chart shown inline in the materialization's metadata."""
    return dg.MetadataValue.md(markdown_image(png, alt))


def page_values(row: dict, names: tuple[str, ...], max_chars: int = 200) -> dict[str, object]:
    """One page's record as partition metadata: status, quality and the named values (lists and structs as short text)."""
    values: dict[str, object] = {
        "ok": bool(row["ok"]), "status": row["status"] if row["status"] is not None else -1,
        "quality": row["quality"], "quality_reasons": "; ".join(row["quality_reasons"]) or "none",
    }
    if row["error"]:
        values["error"] = row["error"][:max_chars]
    for name in names:
        value = row.get(name)
        if isinstance(value, bool | int | float):
            values[name] = value
        elif isinstance(value, list):
            values[name] = f"{len(value)}: " + ", ".join(map(str, value))[:max_chars]
        elif isinstance(value, dict):
            values[name] = ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in value.items())[:max_chars]
        elif value is not None:
            values[name] = str(value)[:max_chars]
    return values
