"""Training: batches, loss, optimizer, jitted step, loop and checkpoints."""
