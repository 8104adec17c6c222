"""Moved to :mod:`veille.services.sources` (the rules) and the StateStore (the
rows); kept so that callers written before the move keep working."""

from veille.services.sources import *  # noqa: F403
from veille.services.sources import __all__  # noqa: F401
