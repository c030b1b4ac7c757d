"""Search the text of this session's processed uploads (plain keyword scoring)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_WORD = re.compile(r"[a-z0-9]+")
# words that say "a document" without saying what to look for in it
_STOP = frozenset(
    "a an and are about can could did do document documents does file files for from give "
    "i in is it me my of on please pdf quote read say says summarise summarize summary tell "
    "that the this to upload uploaded uploads was what which with you your".split()
)


@dataclass(frozen=True)
class Document:
    """One ready upload with its extracted text."""

    upload_id: str
    """The API's upload id."""
    filename: str
    """The name the user gave the file."""
    text: str
    """Extracted text."""


def ready_documents(uploads: Sequence[dict[str, Any]]) -> list[Document]:
    """Uploads whose processing finished with text."""
    return [
        Document(str(u["uploadId"]), str(u.get("filename", "document")), str(u["text"]))
        for u in uploads
        if u.get("status") == "ready" and u.get("text")
    ]


def _passages(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\n\s*\n|(?<=[.!?])\s+", text) if p.strip()]
    return parts or [text.strip()]


def search(documents: Sequence[Document], query: str, *, limit: int = 3) -> str:
    """The best-matching passages, each with its file name; the openings when nothing matches."""
    if not documents:
        return "No documents have been shared in this session yet."
    terms = {w for w in _WORD.findall(query.lower()) if w not in _STOP}
    scored: list[tuple[int, int, str, str]] = []
    for doc in documents:
        for position, passage in enumerate(_passages(doc.text)):
            words = set(_WORD.findall(passage.lower()))
            score = len(terms & words)
            if score:
                scored.append((-score, position, doc.filename, passage))
    if scored:
        scored.sort()
        return " ".join(f"From {name}: {passage}" for _, _, name, passage in scored[:limit])
    # no specific terms (e.g. "summarise the document"): the opening of each document
    return " ".join(
        f"{doc.filename} begins: {' '.join(_passages(doc.text)[:2])}" for doc in documents[:limit]
    )
