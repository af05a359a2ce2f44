from driftwatch.cli import entry

entry()
