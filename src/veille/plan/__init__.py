"""The presence plan: objectives, people, channels, the platform guide."""
