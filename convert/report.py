"""The conversion report: one row per variant against float32, checked against the product targets.

Printed as a table and written as `convert_report.md` (for people) and `convert_report.json` (for tools).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from convert.evaluate import Result

BASELINE = "float32"


@dataclass(frozen=True)
class Targets:
    """What the full-integer model must keep against float32 (the product issue)."""

    variant: str = "int8"
    max_drop_pp: float = 0.10  # accuracy loss, percentage points
    max_size_ratio: float = 0.25  # file size as a fraction of float32's


def baseline(results: list[Result]) -> Result | None:
    return next((r for r in results if r.variant == BASELINE), None)


def table(results: list[Result]) -> str:
    """A Markdown table: size, accuracy and latency of every variant, deltas against float32."""
    base = baseline(results)
    lines = [
        "| variant | input | size (KiB) | size vs float32 | accuracy (%) | vs float32 (pp) | rejected | 1 image (ms) | per image, batch of 16 (ms) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.size_bytes / base.size_bytes:.1%}" if base else "-"
        drop = f"{(r.accuracy - base.accuracy) * 100:+.2f}" if base else "-"
        lines.append(
            f"| {r.variant} | {r.input['dtype']} | {r.size_bytes / 1024:.1f} | {ratio} | {r.accuracy * 100:.2f} | "
            f"{drop} | {r.rejected} | {r.latency_ms:.3f} | {r.batch_per_image_ms:.3f} |"
        )
    return "\n".join(lines)


def check_targets(results: list[Result], targets: Targets = Targets()) -> list[dict]:
    """Each target with the measured value and whether it is met (empty when a variant is missing)."""
    base = baseline(results)
    model = next((r for r in results if r.variant == targets.variant), None)
    if base is None or model is None:
        return []
    drop = (base.accuracy - model.accuracy) * 100
    ratio = model.size_bytes / base.size_bytes
    return [
        {"target": f"{targets.variant} accuracy loss vs float32 <= {targets.max_drop_pp:.2f} pp",
         "measured": f"{drop:.2f} pp", "met": drop <= targets.max_drop_pp + 1e-9},
        {"target": f"{targets.variant} size <= {targets.max_size_ratio:.0%} of float32",
         "measured": f"{ratio:.1%} ({model.size_bytes} / {base.size_bytes} bytes)", "met": ratio <= targets.max_size_ratio},
    ]


def markdown(results: list[Result], context: dict) -> str:
    checks = check_targets(results)
    lines = ["# Conversion report", "", table(results), ""]
    if checks:
        lines += ["## Targets", ""]
        lines += [f"- {'met' if c['met'] else 'NOT met'}: {c['target']} (measured {c['measured']})" for c in checks]
        lines.append("")
    lines += ["## How this was measured", ""]
    lines += [f"- {key}: {value}" for key, value in context.items()]
    return "\n".join(lines) + "\n"


def write(results: list[Result], out_dir: Path, context: dict, name: str = "convert_report") -> tuple[Path, Path]:
    """`<name>.md` and `<name>.json` in `out_dir`."""
    md_path, json_path = out_dir / f"{name}.md", out_dir / f"{name}.json"
    md_path.write_text(markdown(results, context))
    data = {"results": [r.as_dict() for r in results], "targets": check_targets(results),
            "target_values": asdict(Targets()), "context": context}
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    return md_path, json_path
