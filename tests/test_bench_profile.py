"""The stage profiler: own times that add up, stages put back afterwards, every stage of a real read timed."""
import types

import numpy as np
import pytest

from bench import profile
from bench.frames import MnistTestSet, camera_frame
from edge import segment
from edge.classify import Classifier
from edge.reader import Reader


def test_a_stage_own_time_leaves_out_the_stages_it_calls(monkeypatch):
    clock = [0.0]  # a clock the stages move on, so the test times nothing
    monkeypatch.setattr(profile.time, "perf_counter", lambda: clock[0])
    module = types.SimpleNamespace()

    def inner():
        clock[0] += 2.0

    def outer():
        clock[0] += 1.0
        module.inner()

    module.inner, module.outer = inner, outer
    table = (("outer", module, "outer"), ("inner", module, "inner"))
    with profile.timing(table, profile.StageTimer()) as timer:
        module.outer()
        module.outer()
    assert module.outer is outer and module.inner is inner  # put back
    assert timer.calls == {"outer": 2, "inner": 2}
    assert timer.own == {"outer": 2.0, "inner": 4.0}


def test_an_instance_method_is_wrapped_and_put_back():
    class Thing:
        def work(self, items):
            return len(items)

    thing = Thing()
    with profile.timing((("work", thing, "work"),), profile.StageTimer()) as timer:
        assert thing.work([1, 2, 3]) == 3
    assert "work" not in vars(thing) and timer.items == {"work": 3}


@pytest.fixture(scope="module")
def reader():
    return Reader(Classifier())


def test_every_stage_of_a_real_read_is_timed_and_the_stages_add_up(reader, mnist_sample):
    digits = MnistTestSet(mnist_sample[2], mnist_sample[3])
    images = [camera_frame(digits, i).image for i in (0, 9)]
    result = profile.profile_size(reader, images, profile.ProfileParams(repeats=2, warmup=1))
    names = [name for name, _, _ in profile.stage_table(reader)]
    assert list(result["stages"]) == names
    assert all(ms >= 0 for ms in result["stages"].values())
    assert result["stages"]["classification"] > 0 and result["stages"]["components"] > 0
    low, median, high = result["total_ms"]
    assert low <= median <= high and sum(result["stages"].values()) == pytest.approx(median, rel=0.3)
    assert result["segmented_mp"] == pytest.approx(0.3072) and result["crops_per_frame"] >= 4
    assert segment.find_candidates.__name__ == "find_candidates" and "read" not in vars(reader)
    table = profile.markdown([result], "header")
    assert "| line removal |" in table and "640×480" in table


def test_bad_sizes_are_refused_in_one_line(capsys):
    with pytest.raises(SystemExit) as stop:
        profile.main(["--sizes", "640x480"])
    assert stop.value.code == 2 and "WxHxFRAMES" in capsys.readouterr().err
