"""Read handwritten digits from camera frames with a TFLite model (`edge-digits --help`, or `python -m edge --help`).

Kept import-light on purpose: `import edge` loads nothing; the modules (`edge.reader`, `edge.capture`,
...) are imported by whoever needs them, and none of them imports TensorFlow.
"""

__version__ = "0.1.0"
