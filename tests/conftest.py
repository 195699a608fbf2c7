"""Shared pytest set-up: make tests/py importable (the ctypes bridge to libcomfyc)."""
import sys
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "py"))
