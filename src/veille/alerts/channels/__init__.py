"""Where deliveries go; see :mod:`veille.alerts.channels.base`."""

from veille.alerts.channels.base import (
    Channel,
    ChannelContext,
    ChannelError,
    Delivery,
    DeliveryItem,
    builtin_channels,
    channel_for,
    channel_registry,
)

__all__ = [
    "Channel",
    "ChannelContext",
    "ChannelError",
    "Delivery",
    "DeliveryItem",
    "builtin_channels",
    "channel_for",
    "channel_registry",
]
