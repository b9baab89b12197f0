"""Decoder-only transformer (Flax NNX), presets and logical-axis sharding. Knows nothing about data."""

from core.modeling.config import DecoderConfig, preset
from core.modeling.decoder import Decoder

__all__ = ["Decoder", "DecoderConfig", "preset"]
