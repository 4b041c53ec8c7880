"""`python -m bench [--data MNIST] [--quick] --out DIR`: read camera-like frames, score, time, draw, report."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import command_line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("--data", help="MNIST as a keras .npz or a folder of IDX files (default: Keras' download)")
    parser.add_argument("--models", type=Path, nargs="+", default=[Path("models"), Path("edge/models")],
                        help="folders of digits_<variant>.tflite, the first with a variant wins "
                             "(default: models, then edge/models for the int8 model the package ships)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"), help="where results and pictures go")
    parser.add_argument("--quick", action="store_true", help="a few frames per suite (under a minute)")
    parser.add_argument("--seed", type=int, default=0,
                        help="frames are a pure function of the seed (0: the development seed; reported figures: 1)")
    parser.add_argument("--realdev", type=Path,
                        help="a labelled folder of real images (labels.json, images/): adds the real-image section")
    parser.add_argument("--note", default="", help="a line for results.md, e.g. what else ran on the machine")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from bench.report import markdown
    from bench.realdev import RealdevError
    from bench.run import BenchError, Options, benchmark
    from edge.classify import ModelError
    from train.data import DataError

    command = command_line("bench", argv)
    try:
        results = benchmark(Options(args.data, tuple(args.models), args.out, args.quick, args.seed, args.realdev,
                                    args.note, command))
    except (BenchError, DataError, ModelError, RealdevError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    print(markdown(results))
    print(f"\nwritten to {args.out}/ (results.json, results.md, {len(results['pictures'])} pictures)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
