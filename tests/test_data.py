"""MNIST loading: the keras .npz, IDX folders (gzipped or not), and a one-line error for each bad file."""
import gzip

import numpy as np
import pytest

from train.data import DataError, IDX_FILES, load_mnist, split_validation


def write_idx(path, array: np.ndarray, gz: bool) -> None:
    magic = (0x0800 | array.ndim).to_bytes(4, "big")
    raw = magic + b"".join(int(n).to_bytes(4, "big") for n in array.shape) + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if gz else raw)


@pytest.fixture
def idx_folder(tmp_path, mnist_sample):
    x_train, y_train, x_test, y_test = mnist_sample
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    for i, (key, stem) in enumerate(IDX_FILES.items()):
        gz = i % 2 == 0  # a mix of gzipped and plain files
        write_idx(tmp_path / (stem + (".gz" if gz else "")), arrays[key], gz)
    return tmp_path


def test_npz_loads(sample_path, mnist_sample):
    x_train, y_train, x_test, y_test = load_mnist(sample_path)
    assert x_train.shape == (300, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (400, 28, 28)
    assert set(np.unique(y_test)) == set(range(10))
    np.testing.assert_array_equal(x_test, mnist_sample[2])


def test_idx_folder_matches_npz(idx_folder, mnist_sample):
    loaded = load_mnist(idx_folder)
    for got, want in zip(loaded, mnist_sample):
        np.testing.assert_array_equal(got, want)


def save_npz(path, **over):
    base = {"x_train": np.zeros((5, 28, 28), np.uint8), "y_train": np.arange(5),
            "x_test": np.zeros((3, 28, 28), np.uint8), "y_test": np.arange(3)}
    base.update(over)
    np.savez(path, **{k: v for k, v in base.items() if v is not None})
    return path


@pytest.mark.parametrize("over, message", [
    ({"x_train": np.zeros((5, 32, 32), np.uint8)}, "shape"),
    ({"x_train": np.zeros((5, 28, 28), np.float32)}, "dtype"),
    ({"y_train": np.array([0, 1, 2, 3, 12])}, "outside 0-9"),
    ({"y_test": np.arange(4)}, "y_test"),
    ({"x_test": None}, "missing arrays x_test"),
])
def test_bad_npz_is_one_line_naming_the_file(tmp_path, over, message):
    path = save_npz(tmp_path / "bad.npz", **over)
    with pytest.raises(DataError) as e:
        load_mnist(path)
    text = str(e.value)
    assert message in text and str(path) in text and "\n" not in text


def test_truncated_and_garbage_files(tmp_path, idx_folder):
    npz = save_npz(tmp_path / "cut.npz")
    npz.write_bytes(npz.read_bytes()[:200])
    with pytest.raises(DataError, match="not a readable .npz"):
        load_mnist(npz)

    labels = idx_folder / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-7])
    with pytest.raises(DataError, match="truncated"):
        load_mnist(idx_folder)

    labels.write_bytes(b"\x00\x00\x09\x99" + b"\x00" * 20)
    with pytest.raises(DataError, match="magic"):
        load_mnist(idx_folder)


def test_missing_paths(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_mnist(tmp_path / "nowhere.npz")
    with pytest.raises(DataError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)


def test_validation_split_is_disjoint_and_seeded(mnist_sample):
    x, y = mnist_sample[0], mnist_sample[1]
    a = split_validation(x, y, 50, seed=3)
    b = split_validation(x, y, 50, seed=3)
    assert a[0].shape[0] == 250 and a[2].shape[0] == 50
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    train_rows = {r.tobytes() for r in a[0]}
    assert not any(r.tobytes() in train_rows for r in a[2])


def test_a_validation_split_as_large_as_the_data_is_refused():
    x, y = np.zeros((10, 28, 28), np.uint8), np.zeros(10, np.int64)
    with pytest.raises(ValueError, match="leaves nothing to train on"):
        split_validation(x, y, 10, seed=1)
