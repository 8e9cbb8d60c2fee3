"""Life-event definitions, as data: one YAML file per life event; shared parts in common.yaml.

The loader and its validation live in ``core.catalog``.
"""

from pathlib import Path

DEFINITIONS_DIR = Path(__file__).parent
