"""Transition graphs: the model, its XML form, and the one graph executor."""
