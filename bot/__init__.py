"""Glossary bot: answers questions about a marketing glossary, in Slack and on the command line."""

__version__ = "0.1.0"
