"""Ting's speech-model catalog (catalog.toml), installed as the ting_models package."""
