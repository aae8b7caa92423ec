"""Mini-program services: manifests, the directory and invocation."""
