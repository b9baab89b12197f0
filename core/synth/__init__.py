"""The embedded ``synth`` collection: computed-label judge tasks and held-out suites (design.md §4)."""
