"""`python -m convert --model models/digits.keras [--data mnist.npz] --out models [--int8-out edge/models]`:
parse, run, report."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from convert import report
from convert.evaluate import EvalParams
from convert.load import ConvertError
from convert.pipeline import run
from convert.quantize import VARIANTS, QuantizeParams


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m convert", description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("models/digits.keras"), help="Keras model to convert")
    parser.add_argument("--data", type=Path, default=None,
                        help="MNIST: keras .npz or folder of IDX files (default: Keras' download)")
    parser.add_argument("--out", type=Path, default=Path("models"), help="folder for .tflite files, sidecars, report")
    parser.add_argument("--int8-out", type=Path, default=None,
                        help="folder for the int8 model and its sidecar instead (make convert: edge/models, "
                             "the default model the package ships; default: --out)")
    parser.add_argument("--second-opinion", type=Path, default=None,
                        help="a converted .tflite the sidecars name as the reader's second opinion on crops it would "
                             "drop (make convert: the blur fine-tune, edge/models/digits_blur_int8.tflite)")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--representative", type=positive, default=QuantizeParams.representative,
                        help="calibration images for the int8 model")
    parser.add_argument("--seed", type=int, default=QuantizeParams.seed)
    parser.add_argument("--runs", type=positive, default=EvalParams.runs, help="timed calls per latency figure")
    parser.add_argument("--threads", type=positive, default=EvalParams.threads, help="interpreter threads when timing")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        results = run(args.model, args.data, args.out, tuple(args.variants),
                      QuantizeParams(representative=args.representative, seed=args.seed),
                      EvalParams(runs=args.runs, threads=args.threads), progress=not args.quiet,
                      int8_out=args.int8_out, second_opinion=args.second_opinion)
    except ConvertError as error:
        print(f"convert: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("convert: interrupted", file=sys.stderr)
        return 130
    print(report.table(results))
    for check in report.check_targets(results):
        print(f"{'met' if check['met'] else 'NOT met'}: {check['target']} (measured {check['measured']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
