"""CLI commands, one module each: ``register(subparsers)`` adds the command and sets ``func``."""
