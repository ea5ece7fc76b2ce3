"""The orchestrator: CLI, profile, optimizer, costs and the deploy engine."""
