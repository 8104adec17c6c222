"""Source connectors: one module per platform, registered in ``base.py``."""
