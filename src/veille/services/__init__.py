"""The library API that the CLI and the web app both call: one module per
domain noun, holding the rules (validation, defaults, what a command means).
Nothing here speaks SQL: services call the stores."""
