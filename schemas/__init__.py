"""Generated JSON Schemas for the Flux kinds (see SOURCE.md; regenerate with scripts/gen_schemas.py)."""
