"""One module per area; each exposes ``router`` and is listed in
:data:`veille.web.app.ROUTE_MODULES`."""
