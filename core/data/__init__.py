"""Records, the FLAMe text format, the synthetic collection, tokenizer and token pipeline."""
