"""Recurrent layers (stacking, bidirectional, dropout between layers, lengths) built on rnnkit.core."""
