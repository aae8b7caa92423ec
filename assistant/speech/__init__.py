"""Speech recognition: engines, audio input, endpointing and models."""
