"""The ``lifeevents`` command and what only it runs: the dev-stack supervisor, the mail catcher.

The top of the layers: it starts every other part, and nothing imports it.
"""
