"""Keras digit model -> LiteRT (.tflite) variants, their JSON sidecars and an accuracy/size/speed report.

`python -m convert --model models/digits.keras [--data mnist.npz] --out models` (see docs/convert.md).
"""
import os

# TensorFlow's start-up chatter (oneDNN notices, absl warnings) would bury the one-line errors this tool
# prints; the conversion itself runs on TFLite kernels, so oneDNN's graph rewrites buy nothing here.
# A user's own setting of either variable wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
