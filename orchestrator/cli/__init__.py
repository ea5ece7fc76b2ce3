"""The `mlx` command line: one thin module per command group."""
