"""The batching comparison: every way classifies the same sequences and is timed on both clocks."""
from bench import batching
from edge.classify import default_model_path


def test_every_way_is_timed_on_both_sequences_and_clocks():
    params = batching.BatchingParams(frames=6, most=5, steady=3, rounds=2)
    results = batching.measure(str(default_model_path()), 1, params)
    assert len(results) == len(batching.ways(str(default_model_path()), 1))
    for figures in results.values():
        assert sorted(figures) == ["steady cpu", "steady wall", "varying cpu", "varying wall"]
        assert all(len(v) == 2 and min(v) > 0 for v in figures.values())
    table = batching.markdown(results, "header")
    assert table.count("\n| ") == len(results) + 1 and "resize on every change (before)" in table

