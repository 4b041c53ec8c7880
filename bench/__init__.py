"""End-to-end benchmark: camera-like frames of MNIST test digits, read by the edge runner and scored.

Kept empty of imports: `python -m bench.speed` runs in a child process that must load the runner alone.
"""
