"""Alerts: rules on a topic or query, an outbox of deliveries, digests and monitors.

- :mod:`veille.alerts.model`: the :class:`Alert` rule and :class:`AlertBook` (its table).
- :mod:`veille.alerts.schedule`: when a match is due (frequency, time zone, quiet hours).
- :mod:`veille.alerts.outbox`: the engine that turns matches into deliveries in the
  posts' transaction and sends, retries and dead-letters them, and the
  :class:`~veille.alerts.outbox.OutboxWorker` that sends off the ingest path.
- :mod:`veille.alerts.reasons`: why a delivery was skipped or failed, read
  back from what the outbox stored, in words a page says in its reader's language.
- :mod:`veille.alerts.channels`: where deliveries go, each configured by one URL,
  found in one registry (built-ins and the ``veille.channels`` entry points).
- :mod:`veille.services.alerts`: what the CLI and the web app call; the alert
  tables are read and written through :mod:`veille.store.protocols.alerts`.
- :mod:`veille.alerts.monitors`: spike, sentiment-shift and silence alerts.
"""
