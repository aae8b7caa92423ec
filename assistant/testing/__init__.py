"""Pytest fixtures for testing Ting skills (loaded through the `pytest11` entry point)."""
