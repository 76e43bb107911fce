"""Registry scanning (OCI distribution v2): image names, auth, tag listing."""
