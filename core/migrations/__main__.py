"""``python -m core.migrations "what changes"``: write the next revision into versions/.

Alembic compares the SQLModel tables with a scratch SQLite database brought to the current head,
and writes what differs. Read the result before committing it: autogenerate does not see
renames (it writes a drop and an add) and knows nothing of data that must move.
"""

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from core.db import make_engine
from core.migrations import alembic_config, upgrade


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].strip():
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        upgrade(engine)
        with engine.begin() as connection:
            config = alembic_config(connection)
            # The new file as the linters want it (ruff comes with the test extras).
            config.set_section_option("post_write_hooks", "hooks", "ruff_format, ruff_fix")
            for hook, options in (("ruff_format", "format -q"), ("ruff_fix", "check --fix -q")):
                section = "post_write_hooks"
                config.set_section_option(section, f"{hook}.type", "module")
                config.set_section_option(section, f"{hook}.module", "ruff")
                config.set_section_option(
                    section, f"{hook}.options", f"{options} REVISION_SCRIPT_FILENAME"
                )
            number = len(list(ScriptDirectory.from_config(config).walk_revisions())) + 1
            command.revision(config, message=argv[0], autogenerate=True, rev_id=f"{number:04d}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
