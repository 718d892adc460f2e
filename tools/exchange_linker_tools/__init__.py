"""Developer tools: the CLI, the Dwolla emulator and the local stack. Not shipped in the Lambda layer."""
