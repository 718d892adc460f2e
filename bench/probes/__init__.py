"""Small programs the scenarios run in fresh interpreters (cold start, memory, pipeline, moto)."""
