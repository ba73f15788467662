"""How names people type are compared: one rule for every script, on every database.

SQLite's ``lower()`` folds ASCII only, so "софия" would not find "София". Names are compared by
a key computed here, in Python, and stored beside the name: Unicode NFKC, then case folding
(which also folds the Greek final sigma and accented capitals), surrounding and repeated spaces
dropped.
"""

from __future__ import annotations

import unicodedata


def name_key(name: str) -> str:
    """The form under which two names count as the same: "ΘΕΣΣΑΛΟΝΊΚΗ" and "Θεσσαλονίκη"."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return unicodedata.normalize("NFC", " ".join(folded.split()))
