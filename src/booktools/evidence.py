"""Claims that guard nothing, and choices made on the data that then scores them.

    python -m booktools.evidence          # list both in every chapter; exit 1 if any

Two mistakes a build cannot see, because the page runs and every claim holds:

**A claim on constants.** ``claim(cfg.units < 128, ...)`` or ``claim(exp["rounds"] == 5,
...)`` checks settings, not what the run computed: it passes on every run, whatever the
models did, so the sentence it guards has no evidence. A claim's condition must depend on
at least one computed result. Here a value is *fixed* when it is built only from literals,
the profile's settings (anything read through ``.profile``), module constants
(``UPPERCASE`` attributes or imports), names bound only to fixed values, and pure
built-ins (``len``, ``min``, arithmetic, comparisons) of fixed values; anything returned by
another call (training, a model, an ``mlbook`` function) is computed. A sentence that no run
can change is a ``{fact}`` with, where it states a library's behaviour, a check against the
installed library; one about the page's own settings ("the notes train for longer than this
page") is checked with :func:`mlbook.page.by_design`, which says it is no evidence.

**A choice made on test data.** Once a page holds out a test split, picking a model,
a setting or a "best" on it flatters the pick: the same data cannot choose and then report.
Reported:

* ``idxmax``/``idxmin``, ``argmax``/``argmin`` without an ``axis`` (an ``axis`` is a
  prediction, not a choice), ``max``/``min`` with a ``key`` and ``sort_values``/``nlargest``
  on an expression that names test data (a name or a column containing ``test``);
* a model-selection call (``cross_val_score``, ``cross_validate``, ``GridSearchCV(...).fit``,
  ``validation_curve``, ...) given test data, or the data a ``train_test_split`` on the page
  split (so the test part is inside the folds).

Choose with :func:`mlbook.verdict.choose` on validation data or cross-validation of the
training part. A call that evaluates and chooses nothing (a demonstration of
cross-validation, the course notes' own code in an erratum) carries a comment
``# not a choice: <why>`` on its line or the line above.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from booktools.inputs import _python, code_cells

#: Built-ins and functions that compute nothing new from fixed arguments.
PURE_CALLS = frozenset(
    {
        "len",
        "int",
        "float",
        "bool",
        "str",
        "round",
        "abs",
        "min",
        "max",
        "sum",
        "tuple",
        "list",
        "set",
        "dict",
        "sorted",
        "any",
        "all",
        "range",
        "pick",
        "isclose",
        "log",
        "log10",
        "log2",
        "exp",
        "sqrt",
        "prod",
        "zip",
        "enumerate",
        "reversed",
        "frozenset",
    }
)
#: Calls that choose by cross-validation or a search over settings.
SELECTORS = frozenset(
    {
        "cross_val_score",
        "cross_validate",
        "cross_val_predict",
        "validation_curve",
        "learning_curve",
        "cross_validated_scores",
        "permutation_test_score",
    }
)
SEARCHES = frozenset({"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV"})
#: Methods and functions that pick or rank.
PICKERS = frozenset(
    {"idxmax", "idxmin", "argmax", "argmin", "nlargest", "nsmallest", "sort_values"}
)
#: Methods that fill a container in place.
MUTATORS = frozenset(
    {
        "append",
        "extend",
        "update",
        "add",
        "insert",
        "setdefault",
        "fit",
        "partial_fit",
        "__setitem__",
    }
)
WAIVER = re.compile(r"#\s*not a choice:\s*\S")
_TEST = re.compile(r"test", re.I)


@dataclass(frozen=True)
class Finding:
    """One problem on a page: the page's code-cell line and what is wrong."""

    cell: int  # 1-based index of the code cell on the page
    line: int  # line in that cell
    kind: str  # "constant claim" | "choice on test data"
    text: str

    def __str__(self) -> str:
        """One line for the command's output."""
        return f"cell {self.cell}, line {self.line}: {self.kind}: {self.text}"


class _Fixed:
    """Which names of a page hold fixed values (see the module docstring)."""

    def __init__(self, trees: list[ast.Module]):
        # names never bound on the page (imports, built-ins) count as fixed (see name())
        bindings: dict[str, list[ast.AST | None]] = {}
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        self._bind(bindings, target, node.value)
                elif isinstance(node, ast.AnnAssign) and node.value:
                    self._bind(bindings, node.target, node.value)
                elif isinstance(node, (ast.For, ast.comprehension)):
                    self._bind(bindings, node.target, node.iter)
                elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    bindings.setdefault(node.name, []).append(None)
                elif isinstance(node, (ast.With, ast.AsyncWith)):
                    for item in node.items:
                        if item.optional_vars is not None:
                            self._bind(bindings, item.optional_vars, None)
                elif isinstance(node, ast.NamedExpr):
                    self._bind(bindings, node.target, node.value)
        # a container filled in place (``h[k] = ...``, ``rows.append(...)``) holds what
        # was put in it, and ``n += x`` depends on x: count them as computed
        for tree in trees:
            for node in ast.walk(tree):
                targets = []
                if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                    targets = list(node.targets) if isinstance(node, ast.Assign) else [node.target]
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    if node.func.attr in MUTATORS:
                        targets = [node.func.value]
                flat = []
                while targets:
                    target = targets.pop()
                    if isinstance(target, (ast.Tuple, ast.List)):
                        targets.extend(target.elts)
                    else:
                        flat.append(target.value if isinstance(target, ast.Starred) else target)
                for target in flat:
                    root = target
                    while isinstance(root, (ast.Subscript, ast.Attribute)):
                        root = root.value
                    if isinstance(root, ast.Name) and (
                        root is not target or isinstance(node, (ast.AugAssign, ast.Call))
                    ):
                        bindings.setdefault(root.id, []).append(None)
        self.bindings = bindings
        self._cache: dict[str, bool] = {}

    @staticmethod
    def _bind(bindings, target, value) -> None:
        if isinstance(target, ast.Name):
            bindings.setdefault(target.id, []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:  # unpacking: each element as fixed as the value
                _Fixed._bind(bindings, element, value)
        elif isinstance(target, ast.Starred):
            _Fixed._bind(bindings, target.value, value)

    def name(self, name: str) -> bool:
        if name in self._cache:
            return self._cache[name]
        self._cache[name] = False  # a name defined through itself is computed
        values = self.bindings.get(name)
        if values is None:  # an import, a built-in, a module
            fixed = True
        else:
            fixed = all(v is not None and self.expr(v) for v in values)
        self._cache[name] = fixed
        return fixed

    def expr(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Attribute):
            if node.attr == "profile":
                return True
            return self.expr(node.value)
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called not in PURE_CALLS:
                return False
            # a method is as fixed as its object (np.log: a module; t.max(): t)
            root_fixed = self.expr(func.value) if isinstance(func, ast.Attribute) else True
            args = list(node.args) + [k.value for k in node.keywords]
            return root_fixed and all(self.expr(a) for a in args)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            parts += [g.iter for g in node.generators]
            parts += [c for g in node.generators for c in g.ifs]
            return all(self.expr(p) for p in parts)
        if isinstance(node, ast.Starred):
            return self.expr(node.value)
        if isinstance(node, ast.Lambda):
            return False
        children = list(ast.iter_child_nodes(node))
        return all(self.expr(c) for c in children if isinstance(c, ast.expr))


def _claims(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "claim":
                yield node


def _sentence(call: ast.Call) -> str:
    if len(call.args) > 1:
        try:
            return ast.literal_eval(call.args[1])
        except ValueError:
            return ast.unparse(call.args[1])
    return ast.unparse(call.args[0])


def constant_claims(text: str) -> list[Finding]:
    """Return the claims of a MyST page whose condition depends on no computed result."""
    trees = [_python(source) for source in code_cells(text)]
    fixed = _Fixed(trees)
    found = []
    for i, tree in enumerate(trees, 1):
        for call in _claims(tree):
            # names bound inside the condition's own comprehensions follow their iterables
            if fixed.expr(call.args[0]):
                found.append(
                    Finding(
                        i,
                        call.lineno,
                        "constant claim",
                        f"claim({ast.unparse(call.args[0])}, {_sentence(call)!r}) checks "
                        "no computed result: claim what the run computed, or make the "
                        "sentence a {fact}",
                    )
                )
    return found


def _mentions_test(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and _TEST.search(sub.id):
            return True
        if isinstance(sub, ast.Attribute) and _TEST.search(sub.attr):
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and _TEST.search(sub.value):
            return True
    return False


def _split_sources(trees: list[ast.Module]) -> set[str]:
    """Names a ``train_test_split`` on the page split into a training and a test part."""
    sources = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "train_test_split":
                    sources |= {a.id for a in node.args if isinstance(a, ast.Name)}
    return sources


def test_choices(text: str) -> list[Finding]:
    """Return the choices a MyST page makes on test data (see the module docstring)."""
    sources_text = code_cells(text)
    trees = [_python(source) for source in sources_text]
    split = _split_sources(trees)
    searches: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                func = node.value.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in SEARCHES:
                    searches |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    found = []
    for i, (tree, source) in enumerate(zip(trees, sources_text), 1):
        lines = source.splitlines()

        def waived(lineno: int, _lines=lines) -> bool:
            near = _lines[max(0, lineno - 2) : lineno]
            return any(WAIVER.search(line) for line in near)

        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            args = list(node.args) + [k.value for k in node.keywords]
            problem = None
            if name in PICKERS or (
                name in ("max", "min") and any(k.arg == "key" for k in node.keywords)
            ):
                if name in ("argmax", "argmin") and (
                    any(k.arg == "axis" for k in node.keywords)
                    or (isinstance(func, ast.Attribute) and node.args)
                    or len(node.args) > 1
                ):
                    continue  # along an axis: a prediction per row, not a choice
                target = func.value if isinstance(func, ast.Attribute) else None
                scope = ([target] if target is not None else []) + args
                if any(_mentions_test(part) for part in scope):
                    problem = f"{name} picks on test data"
            elif name in SELECTORS or (
                name == "fit"
                and isinstance(func, ast.Attribute)
                and (
                    (isinstance(func.value, ast.Name) and func.value.id in searches)
                    or (
                        isinstance(func.value, ast.Call)
                        and getattr(func.value.func, "attr", getattr(func.value.func, "id", ""))
                        in SEARCHES
                    )
                )
            ):
                data = [a for a in args if isinstance(a, (ast.Name, ast.Subscript, ast.Attribute))]
                if any(_mentions_test(a) for a in data):
                    problem = f"{name} is given test data"
                elif any(isinstance(a, ast.Name) and a.id in split for a in data):
                    problem = (
                        f"{name} is given the data the page split into training and "
                        "test parts, so the test part is inside its folds"
                    )
            if problem and not waived(node.lineno):
                found.append(
                    Finding(
                        i,
                        node.lineno,
                        "choice on test data",
                        f"{ast.unparse(node)[:120]}: {problem}; choose on validation data "
                        "or cross-validation of the training part (mlbook.verdict.choose), "
                        "or mark '# not a choice: <why>' if it chooses nothing",
                    )
                )
    return found


def check(paths: list[Path]) -> dict[str, list[Finding]]:
    """Run both checks on the given MyST pages, by page (pages with no finding left out)."""
    out = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        found = constant_claims(text) + test_choices(text)
        if found:
            out[str(path)] = found
    return out


def main(argv: list[str] | None = None) -> int:
    """List both kinds of finding on the given pages (default: every chapter)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path)
    args = parser.parse_args(argv)
    pages = args.pages or sorted(Path("book").glob("*/*.md"))
    found = check(pages)
    for page, findings in found.items():
        print(page)
        for finding in findings:
            print(f"  {finding}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
