"""`python -m bench.peak ARGS...`: `python -m edge ARGS...` in this process, then its peak resident memory.

The soak benchmark runs `edge detect` through this so that the peak it reports is the command's own, read
from /proc before the process ends (see `bench.speed.peak_rss_mb`); the last line on stderr is
`{"peak_rss_mb": ...}` and the exit status is the command's.
"""
from __future__ import annotations

import json
import sys

from bench.speed import peak_rss_mb


def main(argv: list[str] | None = None) -> int:
    from edge.__main__ import main as edge_main

    status = edge_main(sys.argv[1:] if argv is None else argv)
    sys.stdout.flush()
    print(json.dumps({"peak_rss_mb": round(peak_rss_mb(), 1)}), file=sys.stderr, flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
