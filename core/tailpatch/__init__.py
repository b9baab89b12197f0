"""Tail-patch mixture search (fact sheet §5): rate each task by how briefly fine-tuning on it alone moves each
evaluation category, bundle the tasks, and weight the bundles into a new mixture (FLAMe-Opt-RM)."""
