"""Registry scanning (OCI distribution v2): credentials, tag listing and digests, the wire's bounds and trust rules."""
