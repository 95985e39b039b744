"""rnnkit's own recurrent engine: cells, the BPTT time loop, initialisers, the fused dispatch."""
