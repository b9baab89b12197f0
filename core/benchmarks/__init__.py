"""One module per published benchmark the paper reports: its subsets, official counts, sections or use-cases
and its scoring arithmetic, in one place. A leaf layer (it imports nothing of ``core``), so the catalog that
converts the benchmark's rows, the evaluation harness that scores them, tail-patch that reads its categories
and the reports that tabulate them all use the same definitions."""
