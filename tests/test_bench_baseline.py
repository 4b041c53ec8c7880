"""The classical baselines: HOG + SVM weights saved and loaded, OpenCV's sample pipeline on camera frames."""
import numpy as np
import pytest

from bench.baseline import HogSvm, HogSvmParams, SamplePipeline
from bench.frames import MnistTestSet, camera_frame

SMALL = HogSvmParams(train_count=300, epochs=5)


@pytest.fixture(scope="module")
def svm(mnist_sample):
    x_train, y_train, _, _ = mnist_sample
    return HogSvm(SMALL).fit(x_train, y_train)


def test_saved_weights_load_into_the_same_decisions(svm, mnist_sample, tmp_path):
    _, _, x_test, _ = mnist_sample
    svm.save(tmp_path / "w.npy")
    loaded = HogSvm.load(tmp_path / "w.npy", SMALL)
    np.testing.assert_array_equal(loaded.decide(x_test[:50]), svm.decide(x_test[:50]))
    np.testing.assert_array_equal(loaded.predict(x_test[:5]).argmax(1), svm.decide(x_test[:5]))
    with pytest.raises(ValueError, match="shape"):
        HogSvm.load(tmp_path / "w.npy", HogSvmParams(bins=8))


def test_sample_pipeline_finds_the_digits_of_a_camera_frame(svm, mnist_sample):
    digits = MnistTestSet(mnist_sample[2], mnist_sample[3])
    assert SamplePipeline(svm).read(camera_frame(digits, 0).image) == []  # an empty page
    frame = camera_frame(digits, 6)
    read = SamplePipeline(svm).read(frame.image)
    assert all(0 <= label <= 9 for label, _ in read)
    centres = [(x + w / 2, y + h / 2) for _, (x, y, w, h) in read]
    found = [any(tx <= cx <= tx + tw and ty <= cy <= ty + th for cx, cy in centres)
             for tx, ty, tw, th in (t.box for t in frame.digits)]
    assert sum(found) >= len(frame.digits) - 2, found  # its own segmentation: most digits get a crop
