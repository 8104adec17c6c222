"""Alerts: rules on a topic or query, an outbox of deliveries, digests and monitors.

- :mod:`veille.alerts.model`: the :class:`Alert` rule and :class:`AlertBook` (its table).
- :mod:`veille.alerts.schedule`: when a match is due (frequency, time zone, quiet hours).
- :mod:`veille.alerts.outbox`: the pipeline stage that turns matches into deliveries
  in the posts' transaction, and the dispatcher that sends, retries and dead-letters.
- :mod:`veille.alerts.channels`: where deliveries go, each configured by one URL.
- :mod:`veille.alerts.monitors`: spike, sentiment-shift and silence alerts.
"""
