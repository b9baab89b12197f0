"""FLAMe autoraters in JAX: data curation, mixtures, a sharded decoder, training and evaluation."""
