"""The operator commands, one module each."""
