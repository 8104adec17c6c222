"""The built-in simulator: a demo world and (later) the platforms' APIs on loopback."""

from veille.sim.generate import BRAND, COMPETITORS, PLATFORMS, SimConfig, generate_posts

__all__ = ["BRAND", "COMPETITORS", "PLATFORMS", "SimConfig", "generate_posts"]
