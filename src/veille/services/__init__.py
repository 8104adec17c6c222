"""The library API that the CLI and the web app both call: one module per
domain noun, plain functions or small classes taking the workspace or its
stores explicitly. Nothing is imported here: import the module you need."""
