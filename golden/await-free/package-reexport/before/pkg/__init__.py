from .loader import load_config

VERSION = "1.0"
