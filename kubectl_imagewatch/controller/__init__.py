"""The `run` process around both controllers: cycles, status, events, the cluster client."""
