"""comfyc_export — build comfyc model packages (AOTInductor-compiled graphs + manifest.json)."""
__version__ = "0.1.0"
PACKAGE_FORMAT = 1
