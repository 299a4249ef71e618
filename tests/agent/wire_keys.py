"""wire_keys.py: the wire protocol's JSON keys, read from common/wire.h.

The protocol's keys are spelled once, in common/wire.h; the Python tests read
them from there instead of spelling them again. `K.RSS` is the value of
ZAPM_KEY_RSS ("rss"), `K.PROC` of ZAPM_KEY_PROC, and so on.
"""
import os
import re

_WIRE_H = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common", "wire.h")


class _Keys:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for name, value in re.findall(r'#define\s+ZAPM_KEY_(\w+)\s+"([^"]*)"', text):
            setattr(self, name, value)


K = _Keys(_WIRE_H)
