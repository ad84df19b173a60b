"""mlbook: the tested code behind the interactive machine-learning textbook.

Each chapter ``book/<section>/<nn>-<topic>.md`` calls functions from
``mlbook.<topic>`` and shows them with ``{literalinclude}``; the shared
foundations are :mod:`mlbook.profile` (execution profiles),
:mod:`mlbook.repro` (seeding), :mod:`mlbook.training` (the one training loop),
:mod:`mlbook.data` (offline-first datasets), :mod:`mlbook.plotting` (figure
style), :mod:`mlbook.notes` (running the course notes' code) and
:mod:`mlbook.page` (per-page run record). What builds the book lives apart,
in the ``booktools`` package. Importing the package runs nothing and imports
no heavy library.
"""

__version__ = "0.1.0"
