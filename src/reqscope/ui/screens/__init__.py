"""Modal screens: help, prompts and confirmations."""
