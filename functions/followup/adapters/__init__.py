"""Adapters: the ports implemented against real systems."""
