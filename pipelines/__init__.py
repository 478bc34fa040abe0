"""Vigie: social listening and e-reputation pipeline (the logic behind the CLI and the DAGs)."""
