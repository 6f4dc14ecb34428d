"""The Slack door: a Bolt app (`app`), its listeners (`listeners/`), delivery, and the servers that run it.

The only package that may import slack_bolt or slack_sdk (a ruff banned-api rule holds that line)."""
