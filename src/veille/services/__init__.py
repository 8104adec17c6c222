"""The library API: one module per domain noun, shared by the CLI and the web app.

Each module holds the rules (validation, defaults, what a command means) as
plain functions taking the workspace explicitly. Kept import-light: importing
this package imports nothing else.
"""
