"""The library API the CLI and the web app share: one module per domain noun.

Services hold the rules (validation, defaults, what a command means) and take
the workspace or its stores explicitly; only ``veille.store`` speaks SQL."""
