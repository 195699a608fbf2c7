"""comfyc_export — build comfyc model packages (AOTInductor-compiled graphs + manifest.json)."""
__version__ = "0.3.0"  # 0.2: text encoders take textual-inversion vectors; 0.3: SDXL, final_norm
PACKAGE_FORMAT = 1
