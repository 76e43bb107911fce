"""image-reflector-controller: tag sources (registry, tags files), policy selection, simulate."""
