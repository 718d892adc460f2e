"""The development harness: the Dwolla emulator, the local stack, the Lambda-faithful poller, the chaos suite.

Not shipped in the Lambda layer nor with the operator CLI (exchange_linker_cli); adds `run` and `emulator` to
`exchange-linker` through the `exchange_linker.commands` entry point group.
"""
