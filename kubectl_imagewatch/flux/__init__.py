"""Flux facts several wings consult: markers, selectors, releases, image references, update.path."""
