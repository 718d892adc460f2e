"""One module per scenario; each exposes `run(context) -> ScenarioResult`."""
