"""Posts over veille's own ingest endpoint: ``veille+http://host:port``.

One process holds the PostStore (chDB opens a path in one process only) and
serves it (``veille store serve-posts``); collectors on other machines write
and read posts through it with :class:`~veille.store.remote.client.RemotePostStore`.
"""
