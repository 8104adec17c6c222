"""The web app: ``veille serve`` (see :mod:`veille.web.app`)."""
