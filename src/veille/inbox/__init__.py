"""The engagement inbox: posts people answer, triaged, assigned, answered, measured.

- :mod:`veille.inbox.model`: items, events, replies, filters;
- :mod:`veille.inbox.items`: listing, assigning, statuses, notes, labels (the service);
- :mod:`veille.inbox.rules`: conditions → actions run on every new item;
- :mod:`veille.inbox.stage`: the pipeline stage that enters posts in the inbox;
- :mod:`veille.inbox.hours`: working time and response targets;
- :mod:`veille.inbox.metrics`: response times and backlog (the plan's KPIs);
- :mod:`veille.inbox.replies`: composing, approving and sending replies.
"""
