"""Adapters: the only modules that talk to boto3 or requests. They raise the package's own errors."""
