"""booktools: what builds the book, kept apart from :mod:`mlbook`, the code it teaches.

Chapters never import this package. It holds

* :mod:`booktools.build` -- the build driver (``python -m booktools.build``);
* :mod:`booktools.run_chapter` -- run one chapter alone: errors, time, peak memory;
* :mod:`booktools.toc` -- the one reader of ``_toc.yml`` and of "is this page executed";
* :mod:`booktools.inputs` -- what a page's cached result depends on (its code, the
  ``mlbook`` modules it imports, the pinned requirements);
* :mod:`booktools.benchmark` -- how long rebuilds take after each kind of edit;
* :mod:`booktools.vendor` -- the vendored JavaScript (widget manager, MathJax);
* the Sphinx extensions :mod:`booktools.sphinx_inputs`, :mod:`booktools.sphinx_errata`
  and :mod:`booktools.sphinx_site`, loaded from ``_config.yml``.

Every tool finds the book from the working directory (or ``--root``), never from
where this package is installed, so two checkouts sharing one environment each build
their own book.
"""
