"""The course notes' own code, run as printed so a chapter can show what it raises."""

from __future__ import annotations


def run_notes_code(code: str, namespace: dict | None = None, *, first_line: bool = False) -> str:
    """Execute *code* in *namespace* (a fresh one by default) and report its error.

    Returns ``"Type: message"`` of the exception it raises (only the message's first line
    if *first_line*, for Keras' long multi-line errors), or ``"no error"`` if it runs.
    """
    try:
        exec(compile(code, "<seed>", "exec"), {} if namespace is None else namespace)
    except Exception as exc:  # we want to show whatever the notes' code raises
        message = str(exc).strip().splitlines()[0] if first_line else exc
        return f"{type(exc).__name__}: {message}"
    return "no error"
