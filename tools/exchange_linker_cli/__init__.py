"""The operator CLI `exchange-linker`: the dead-letter queue, replays, publishing, results, schemas.

What ships to on-call. It never imports the development harness (exchange_linker_tools) at module level;
the harness adds `run` and `emulator` through the `exchange_linker.commands` entry point group.
"""
