"""comfyc_export — build comfyc model packages (AOTInductor-compiled graphs + manifest.json)."""
__version__ = "0.2.0"  # 0.2: text encoders take textual-inversion vectors
PACKAGE_FORMAT = 1
