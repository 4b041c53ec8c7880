"""End-to-end benchmark: camera-like frames of MNIST test digits, read by the edge runner and scored.

Kept free of imports but the standard library's: `python -m bench.speed` runs in a child process that must load
the runner alone.
"""
from __future__ import annotations

import shlex
import sys


def command_line(module: str, argv: list[str] | None) -> str:
    """The command that reproduces a run of `python -m <module>`, for its report (arguments quoted as a shell
    needs them)."""
    return shlex.join(["python", "-m", module, *(sys.argv[1:] if argv is None else argv)])
