"""Only the C extension; the project itself is described in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "veille.query._kernel",
            ["src/veille/query/_kernel.c"],
            extra_compile_args=["-O2", "-std=c11"],
        )
    ]
)
