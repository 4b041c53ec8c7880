"""python -m train: train the digit model on MNIST and write models/digits.keras, its record and pictures."""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from train.config import TrainConfig


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from train.config import MONITORS, STRATEGIES, TrainConfig  # no TensorFlow yet: --help answers at once

    d = TrainConfig()
    p = argparse.ArgumentParser(prog="python -m train", description=__doc__)
    p.add_argument("--data", help="MNIST as a keras .npz or a folder of IDX files (default: Keras download)")
    p.add_argument("--out", default="models", help="folder for digits.keras, digits.json and the plots")
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--learning-rate", type=float, default=d.learning_rate)
    p.add_argument("--warmup-epochs", type=int, default=d.warmup_epochs)
    p.add_argument("--weight-decay", type=float, default=d.weight_decay,
                   help="AdamW's decoupled weight decay (each step shrinks every weight by learning rate × this)")
    p.add_argument("--label-smoothing", type=float, default=d.label_smoothing,
                   help="share of each target spread evenly over all classes")
    p.add_argument("--dropout", default=",".join(map(str, d.dropout)), metavar="A,B,C,D",
                   help="dropout after the two convolution blocks, the pooled features and the dense layer")
    p.add_argument("--init", default="", help="fine-tune this saved model instead of training a new one")
    p.add_argument("--teacher", action="append", default=[], metavar="MODEL",
                   help="distil from this saved model (repeat for an ensemble; their outputs are averaged)")
    p.add_argument("--distill-weight", type=float, default=d.distill_weight,
                   help="the teachers' share of each training target")
    p.add_argument("--patience", type=int, default=d.patience)
    p.add_argument("--monitor", choices=MONITORS, default=d.monitor,
                   help="what the checkpoint and early stopping watch")
    p.add_argument("--clean-fraction", type=float, default=d.augment.clean_fraction,
                   help="share of digits only re-normalized, not distorted")
    p.add_argument("--nondigit-fraction", type=float, default=d.augment.nondigit_fraction,
                   help="share of each batch replaced by generated 'not a digit' marks")
    p.add_argument("--elastic", type=float, default=d.augment.elastic_probability,
                   help="share of distorted digits and marks also bent by a smooth random field (0: off)")
    p.add_argument("--camera-blur", type=float, default=d.augment.camera_blur_probability,
                   help="share of distorted digits and marks also motion-blurred and defocused (0: off)")
    p.add_argument("--even-pen", type=float, default=d.augment.pen_probability,
                   help="share of distorted digits and marks redrawn with an even round pen, a ballpoint's line (0: off)")
    p.add_argument("--max-thicken", type=int, default=d.augment.max_thicken,
                   help="thickest marker the augmentation draws: dilation of up to this many canvas pixels")
    p.add_argument("--flagged-ones", type=float, default=d.augment.flagged_ones,
                   help="share of 1s given a continental flag, a stroke down to the left from the top (0: off)")
    p.add_argument("--nondigit-glyphs", default=d.nondigits.glyphs,
                   help="the letters and signs drawn as 'not a digit' marks")
    p.add_argument("--validation", type=int, default=d.validation, help="training images held out")
    p.add_argument("--limit", type=int, default=0, help="train on only this many images (quick runs)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--strategy", choices=STRATEGIES, default=d.strategy,
                   help="mirrored: all local GPUs (or logical CPUs); multiworker: the cluster in TF_CONFIG")
    p.add_argument("--logical-cpus", type=int, default=0,
                   help="split the CPU into this many logical devices (try --strategy mirrored without GPUs)")
    p.add_argument("--skip-eval", action="store_true", help="skip the robustness evaluation on the test set")
    p.add_argument("--eval-only", action="store_true",
                   help="no training: evaluate OUT/digits.keras again and update OUT/digits.json and OUT/eval/")
    return p.parse_args(argv)


def dropout_rates(text: str) -> tuple[float, ...]:
    """'0.05,0.1,0.2,0.2' → a tuple of floats (ValueError naming the text, for the one-line error)."""
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"dropout must be comma-separated rates such as 0.05,0.1,0.2,0.2 (got {text!r})") from None


def config(args: argparse.Namespace) -> TrainConfig:
    """The training settings: the defaults with the command line's choices (ValueError when out of range)."""
    from train.config import TrainConfig

    d = TrainConfig()
    return replace(d, epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                   warmup_epochs=args.warmup_epochs, weight_decay=args.weight_decay,
                   label_smoothing=args.label_smoothing, dropout=dropout_rates(args.dropout), init=args.init,
                   teachers=tuple(args.teacher), distill_weight=args.distill_weight, patience=args.patience,
                   monitor=args.monitor, validation=args.validation, limit=args.limit, seed=args.seed,
                   strategy=args.strategy,
                   augment=replace(d.augment, clean_fraction=args.clean_fraction,
                                   nondigit_fraction=args.nondigit_fraction,
                                   elastic_probability=args.elastic,
                                   camera_blur_probability=args.camera_blur, pen_probability=args.even_pen,
                                   flagged_ones=args.flagged_ones, max_thicken=args.max_thicken),
                   nondigits=replace(d.nondigits, glyphs=args.nondigit_glyphs))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from train.data import DataError, load_mnist, split_validation

    try:
        cfg = config(args)  # bad settings are refused before the data and TensorFlow load
        x_train, y_train, x_test, y_test = load_mnist(args.data)
        split = None if args.eval_only else split_validation(x_train, y_train, cfg.validation, cfg.seed)
    except (DataError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    import tensorflow as tf

    from train.evaluate import evaluate, write_report
    from train.fit import load_teachers, save_record, train

    if args.logical_cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * args.logical_cpus)
    out = Path(args.out)
    if args.eval_only:
        import keras

        missing = [p for p in (out / "digits.keras", out / "digits.json") if not p.is_file()]
        if missing:
            print(f"error: {missing[0]}: no such file (train first, or point --out at the model's folder)",
                  file=sys.stderr)
            return 2

        model, record = keras.models.load_model(out / "digits.keras"), json.loads((out / "digits.json").read_text())
    else:
        previous = Path(args.init).with_suffix(".json") if args.init else None
        earlier = json.loads(previous.read_text()) if previous and previous.is_file() else None
        x, y, x_val, y_val = split
        try:
            teachers = load_teachers(cfg.teachers)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(f"training on {min(len(x), cfg.limit or len(x))} images, validating on {len(x_val)}, "
              f"{cfg.epochs} epochs, strategy {cfg.strategy}", flush=True)
        model, record = train(x, y, x_val, y_val, cfg, out, teachers=teachers)
        if earlier:  # a fine-tuning stage keeps the record of the stage it started from
            record["init_record"] = {k: v for k, v in earlier.items() if k != "evaluation"}
        print(f"best epoch {record['best_epoch']} of {record['epochs_run']}, {record['seconds']:.0f}s; "
              f"model: {out / record['model']} ({record['parameters']} parameters)", flush=True)
    if not args.skip_eval:
        report = evaluate(model, x_test, y_test, progress=lambda line: print(line, flush=True))
        record["evaluation"] = {k: v for k, v in report.items() if k != "confusion"}
        for path in write_report(report, out / "eval"):
            print(f"wrote {path}")
        print(f"MNIST test accuracy: {report['test_accuracy']:.4%} "
              f"({report['digits_only_accuracy']:.4%} with 'not a digit' ignored, a diagnostic)")
    print(f"wrote {save_record(record, out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
