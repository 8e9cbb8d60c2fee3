"""``python -m cli``: the ``lifeevents`` command, as the dev stack starts its processes."""

from cli.main import run

if __name__ == "__main__":
    run()
