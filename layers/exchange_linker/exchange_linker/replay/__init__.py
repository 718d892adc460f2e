"""Replay: look into the dead-letter queue and move chosen messages back to the link-completed queue.

Shared by the `exchange-linker replay`/`dlq` commands and the DlqReplayFunction: filters, pacing, the
message as the replay sees it, the summary, and SQS's own mover for "everything, fast".
"""
