"""``python -m saleskpi.analyses`` prints docs/results.md."""

from saleskpi.analyses import results_markdown

print(results_markdown(), end="")
