"""veille: self-hosted social media listening and presence planning.

The library API is what the CLI, the web app and the tests call:

>>> from veille.workspace import Workspace            # doctest: +SKIP
>>> ws = Workspace.open("my-workspace")               # doctest: +SKIP
>>> ws.store.search_text("médias", limit=5)           # doctest: +SKIP
"""

__version__ = "0.1.0"
