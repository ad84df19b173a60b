"""The execution cache as :func:`booktools.build.execute_ahead`'s workers use it.

A module of its own so that importing :mod:`booktools.build` does not import jupyter-cache
(about 1.4 s): only executing pages ahead needs it.
"""

from __future__ import annotations

from jupyter_cache.cache.main import JupyterCacheBase


class WorkerCache(JupyterCacheBase):
    """jupyter-cache's cache as the workers of :func:`~booktools.build.execute_ahead` use it.

    ``JupyterCacheBase.truncate_caches``, run after each result is cached, reads the
    records to keep and then the records to delete in two queries. A worker that cached
    its page between the two had its result deleted by the other (two toy pages finishing
    in the same second: one missing from the cache, and no error). The parent truncates
    once, after the workers.
    """

    def truncate_caches(self) -> None:
        """Leave the cache's size to the parent process."""
