"""One business process per module; thin orchestration over tasks."""
