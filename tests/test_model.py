"""The model's contract: raw 0..255 pixels in, 11 probabilities out, within the Raspberry Pi budget."""
import keras
import numpy as np

from train import LABELS
from train.model import build_model

MAX_PARAMETERS = 300_000


def test_shape_and_budget():
    model = build_model()
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_shape == (None, len(LABELS)) == (None, 11)
    assert model.count_params() <= MAX_PARAMETERS


def test_outputs_are_probabilities():
    model = build_model()
    x = np.random.default_rng(0).integers(0, 256, (4, 28, 28, 1)).astype(np.float32)
    p = model.predict(x, verbose=0)
    assert p.shape == (4, 11)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)


def test_layers_follow_the_design():
    kinds = {type(layer).__name__ for layer in build_model().layers}
    assert {"Rescaling", "Conv2D", "BatchNormalization", "MaxPooling2D", "Dropout", "Dense"} <= kinds


def test_dropout_rates_go_where_the_config_says():
    """In order: after the 28×28 block, the 14×14 block, the pooled features and the dense layer."""
    model = build_model(dropout=(0.0, 0.1, 0.2, 0.3))
    assert [l.rate for l in model.layers if isinstance(l, keras.layers.Dropout)] == [0.0, 0.1, 0.2, 0.3]
    assert build_model().count_params() == model.count_params()  # rates change no weights
