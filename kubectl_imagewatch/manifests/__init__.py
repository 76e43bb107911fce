"""What the user gave us, read once: files, YAML with positions, scalars, kustomize namespaces, the object model and the inventory."""
