"""Device models mapped into a machine's physical address space."""
