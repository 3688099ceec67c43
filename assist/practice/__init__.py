"""Practice mode: trainers run simulated customers (``simulator.practice``) through the real agent stream."""
