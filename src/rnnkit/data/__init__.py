"""Data: vocabularies, tokenizers, padding and length bucketing, TBPTT streams, windows for series."""
