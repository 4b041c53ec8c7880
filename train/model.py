"""The digit model: a compact CNN that stays quick on a Raspberry Pi once quantized to int8."""
from __future__ import annotations

import keras
from keras import layers

from train import LABELS
from train.config import TrainConfig


def conv_bn_relu(x, filters: int):
    """One 3×3 convolution with batch norm (which makes its bias redundant) and ReLU."""
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def conv_block(x, filters: int, convs: int, dropout: float):
    """`convs` 3×3 convolutions with batch norm, then 2×2 max pooling and dropout."""
    for _ in range(convs):
        x = conv_bn_relu(x, filters)
    x = layers.MaxPooling2D()(x)
    return layers.Dropout(dropout)(x)


def build_model(num_classes: int = len(LABELS), dropout: tuple[float, ...] = TrainConfig.dropout) -> keras.Model:
    """28×28×1 raw pixels (0..255, white ink on black) → `num_classes` probabilities; about 280k parameters.

    Most of the width sits at 7×7, where it costs the Pi little time: a convolution there is 16× cheaper
    than at 28×28, so the full-resolution block has only 16 filters (strokes and edges need no more; with 32
    it took a quarter of the int8 model's time). The rescaling is inside the model so the int8 model takes
    the runner's uint8 crops as they are. `dropout`: the four rates of `TrainConfig.dropout`, in order.
    """
    inputs = keras.Input((28, 28, 1), name="pixels")
    x = layers.Rescaling(1 / 255)(inputs)
    x = conv_block(x, 16, 2, dropout[0])  # 14×14
    x = conv_block(x, 64, 2, dropout[1])  # 7×7
    for _ in range(2):
        x = conv_bn_relu(x, 128)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout[2])(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dropout(dropout[3])(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digits")
