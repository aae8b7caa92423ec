"""Ting's bundled skills, each an ordinary plugin loaded through the `ting` entry-point group."""
