"""Analytics: volume, breakdowns, share of voice, top lists, stories, trending
terms, influencers, charts and reports, for any scope (the whole workspace, a
saved topic, a query, a platform) and period, in the workspace's time zone.

Modules (import what you need; nothing is loaded here):

- :mod:`~veille.analytics.scope`: :class:`Scope` and :class:`Period`, ``parse_period``;
- :mod:`~veille.analytics.topics`: ``topic_scope``, ``query_scope``;
- :mod:`~veille.analytics.volume`: ``volume``, ``breakdown``, ``net_sentiment``,
  ``share_of_voice``;
- :mod:`~veille.analytics.tops`: ``top_posts``, ``top_authors``, ``top_entities``,
  ``stories``, ``headline``;
- :mod:`~veille.analytics.columns`: ``keep_columns``, a column copy of the posts
  that dashboards over ad-hoc queries read in long-lived processes;
- :mod:`~veille.analytics.trends`: ``trending_terms``;
- :mod:`~veille.analytics.influencers`: ``influencers``;
- :mod:`~veille.analytics.charts`: Altair charts to SVG/PNG;
- :mod:`~veille.analytics.report`: ``render_report(workspace, period=...) -> (html, pdf)``.
"""
