"""The bundled rule files (YAML). `RULES_DIR` finds them installed or editable."""
from __future__ import annotations

from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent
SYNONYMS_FILE = RULES_DIR / "synonyms.yaml"
