from cors_spec.cli import entry

entry()
