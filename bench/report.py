"""Figures as tables: one shape for the terminal and for docs/PERFORMANCE.md."""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, field


@dataclass
class Table:
    """A titled table of already formatted cells, with notes printed under it."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])

    def text(self) -> str:
        """Aligned plain text for the terminal."""
        widths = [max(len(c) for c in column) for column in zip(self.columns, *self.rows, strict=True)]

        def line(cells: list[str]) -> str:  # first column left-aligned, figures right-aligned
            pairs = enumerate(zip(cells, widths, strict=True))
            return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in pairs)

        out = [self.title, line(self.columns), line(["-" * w for w in widths])]
        out += [line(row) for row in self.rows]
        out += [f"  * {note}" for note in self.notes]
        return "\n".join(out)

    def markdown(self) -> str:
        """A GitHub-flavoured markdown table with its title and notes."""
        out = [
            f"**{self.title}**",
            "",
            "| " + " | ".join(self.columns) + " |",
            "|" + "|".join([":---"] + ["---:"] * (len(self.columns) - 1)) + "|",
        ]
        out += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            out += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(out)


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    """`min–max` of the repetitions, so a reader sees how stable a median is."""
    return f"{fmt(min(values))}–{fmt(max(values))}"


def relative_spread(values: list[float]) -> float:
    """(max − min) / median of the repetitions."""
    return (max(values) - min(values)) / median(values)


def fmt(value: float) -> str:
    """Three significant figures, thousands separated (1,234 / 12.3 / 0.456)."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries only the figures)."""
    print(f"  … {message}", file=sys.stderr, flush=True)
