"""Applications of rnnkit, one package per task (text generation, ...), each with a frozen config."""
