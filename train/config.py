"""Training settings in one place, importable without TensorFlow (the CLI reads its defaults from here)."""
from __future__ import annotations

from dataclasses import dataclass, field

from train.augment import AugmentParams
from train.nondigits import NonDigitParams


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 50
    batch_size: int = 128
    learning_rate: float = 3e-3  # peak, reached after the warm-up, then cosine decay to zero
    warmup_epochs: int = 1
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    ema_momentum: float = 0.998  # validate and keep an exponential moving average of the weights (0 = off)
    validation: int = 5000  # training images held out for checkpoint selection and early stopping
    validation_nondigits: int = 500  # generated marks added to the validation set
    patience: int = 10  # epochs without a better validation accuracy before stopping
    limit: int = 0  # use only this many training images (0 = all): for quick runs and tests
    init: str = ""  # start from this saved model instead of a new one (a fine-tuning stage)
    seed: int = 1
    strategy: str = "default"  # default | mirrored | multiworker
    augment: AugmentParams = field(default_factory=AugmentParams)
    nondigits: NonDigitParams = field(default_factory=NonDigitParams)


# The second stage of `make train`, started from the first stage's model (`--init`): a short, gentle
# schedule on a milder mix. More clean digits give back the MNIST accuracy that the first stage's heavy
# distortions cost, and letter pieces (what the touching-digit cut makes of an "m") join the marks.
FINETUNE = TrainConfig(
    epochs=12, learning_rate=5e-4, patience=12,
    augment=AugmentParams(clean_fraction=0.6, nondigit_fraction=0.2),
    nondigits=NonDigitParams(kind_weights=(0.35, 0.25, 0.1, 0.1, 0.1, 0.1)),
)
STAGES = {"scratch": TrainConfig(), "finetune": FINETUNE}
