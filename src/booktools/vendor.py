"""Vendored JavaScript: the widget manager and RequireJS, served by the site itself.

The published pages must not load code from another site. The files below come from the
npm registry at pinned versions; the tarball's registry integrity (sha512) and each kept
file's sha256 are pinned here, so a changed or corrupt file is detected.

    python -m booktools.vendor          # re-fetch with `npm pack`, verify, write book/_vendor
    python -m booktools.vendor --check  # verify the committed copy (also a unit test)

Run from the book's folder (or pass ``--root``).

The layout under ``book/_vendor`` (copied to the site's ``_static/``) keeps the npm
package paths, because the widget manager loads its icon fonts from
``<data-jupyter-widgets-cdn>@jupyter-widgets/html-manager/dist/``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from booktools.toc import find_root

#: Where the site's vendored files live, relative to the book's root.
VENDOR = Path("book") / "_vendor"

#: npm package spec -> the registry's integrity of its tarball.
INTEGRITY = {
    "@jupyter-widgets/html-manager@1.0.15":  # ipywidgets 8.1 wants html-manager ^1.0.1
    "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
    "requirejs@2.3.7": (
        "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw=="
    ),
    "axe-core@4.14.1":  # accessibility checks in the browser tests (not served)
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
    "@fortawesome/fontawesome-free@6.5.2":  # the theme's icons as CSS (its fonts), not 0.5 MB of JS
    "sha512-hRILoInAx8GNT5IMkrtIt9blOdrqHOnPBH+k70aWUAqPZPgopb9G5EQJFpaBx/S8zp2fC+mPW349Bziuk1o28Q==",
}

#: (package spec, path in its tarball, sha256) of every file kept; it lands at
#: book/_vendor/<npm name>/<path without "package/">. Licences: BSD-3-Clause, MIT,
#: MPL-2.0 (axe-core, tests only). MathJax is not served: the build draws the math
#: (booktools.sphinx_math, with the mathjax-full of package.json).
FILES: list[tuple[str, str, str]] = [
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/embed-amd.js",
        "ff470e70a50a57dae9235c54716e68c347fb67dc1ccf0cd223cdf51b3f4dc639",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/embed.js.LICENSE.txt",
        "aed2008aae8123157c4ae564883166b1af7bab928d504a1fa7de1f67aec11268",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/1551f4f60c37af51121f.woff2",
        "9834b82ad26e2a37583d22676a12dd2eb0fe7c80356a2114d0db1aa8b3899537",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/2285773e6b4b172f07d9.woff",
        "f9217f66874b0c01cd8c10b6a295dbc4f609acb6f5adc41c37da46641b57eb02",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/23f19bb08961f37aaf69.eot",
        "e4299464e7b012968eed63ac2db1c9509f56bca409ef9f71f2926a8c3c80b2a9",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/2f517e09eb2ca6650ff5.svg",
        "a3b9817780214caf01e8aec20bcdc2305a1ff34a15fae81ecd0923df9cd5cd0a",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/4689f52cc96215721344.svg",
        "be0a084962d8066884f7fe9bd27ec16e51f5a93b72a502c92c5a24dc87eb2ebc",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/491974d108fe4002b2aa.ttf",
        "e8711bbb871afd8e9dea60e16d30f00c7e4837bbc9807065017475b849fa2313",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/527940b104eb2ea366c8.ttf",
        "cda59d6efffa685830fd95b55f64ae9cb51279cd34b2410b69f84c7ec30157d9",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/77206a6bb316fa0aded5.eot",
        "79d088064beb3826054fb88165416235897a856ca952fca1498b1c59b16aaa48",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/7a3337626410ca2f4071.woff2",
        "e42a88444448ac3d60549cc7c1ff2c8a9cac721034c073d80a14a44e79730cca",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/7a8b4f130182d19a2d7c.svg",
        "9674eb1bd5504717903837093a67668ea88f2ed006d91367d0d4b7aa1f9211fc",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/9bbb245e67a133f6e486.eot",
        "373c04fd2418f5c77eea49d514731058f1907a94ff3b4e5d7c3e5767e8b53d8b",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/bb58e57c48a3e911f15f.woff",
        "cb9e9e693192413cde2b1f21c1dc1d44b6fe7b27cc2b458e8b359d18f9ff8f4e",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/be9ee23c0c6390141475.ttf",
        "af6397503fcefbd613976c21ad5c1e37298c18bbe07d096db03ccd3af6e05ba8",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/d878b0a6a1144760244f.woff2",
        "8ea8791754915a898a3100e63e32978a6d1763be6df8e73a39d3a90d691cdeef",
    ),
    (
        "@jupyter-widgets/html-manager@1.0.15",
        "package/dist/eeccf4f66002c6f2ba24.woff",
        "3f6d3488cf65374f6f676c315340b0ac2be832bd55240c809448e36ef9b96326",
    ),
    (
        "@fortawesome/fontawesome-free@6.5.2",
        "package/css/fontawesome.min.css",
        "137b1cf3cea9a8adb7884343a9a5ddddf4280f59153f74dc782fb7f7bf0d0519",
    ),
    (
        "@fortawesome/fontawesome-free@6.5.2",
        "package/LICENSE.txt",
        "9b914eae88817d63b576eab5aafde7068c7a1abae125d7cdfb034f1da43a9afc",
    ),
    (
        "axe-core@4.14.1",
        "package/axe.min.js",
        "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c",
    ),
    (
        "requirejs@2.3.7",
        "package/require.js",
        "8215b90000b571bd241d28512c83f59855cecc3158db94b79b2d974c9923b5d2",
    ),
]


#: Edits applied to a vendored file after it is unpacked: (package spec, path) -> a list
#: of (exact text, replacement, why). Each text must occur exactly once; the file's pin in
#: FILES is the sha256 of the patched file (the tarball's integrity pins the original).
PATCHES: dict[tuple[str, str], list[tuple[str, str, str]]] = {
    ("@jupyter-widgets/html-manager@1.0.15", "package/dist/embed-amd.js"): [
        (
            "gt=new(ht());gt.compile(At)",
            "gt=new(ht())({allowUnionTypes:!0});gt.compile(At)",
            "the manager compiles the widget-state schema with Ajv 8 in strict mode, which "
            "logs 'strict mode: use allowUnionTypes ...' on every page with a widget; the "
            "schema's union types are intended, so allow them (validation is unchanged)",
        ),
        (
            "k=new(w()),E=k.compile(y)",
            "k=new(w())({allowUnionTypes:!0}),E=k.compile(y)",
            "the same schema compiled by the bundle's second copy of the embedding code",
        ),
    ],
}


def patch(spec: str, member: str, content: bytes) -> bytes:
    """Apply :data:`PATCHES` for one file; raise if a patch's text is not there once."""
    text = None
    for old, new, why in PATCHES.get((spec, member), []):
        text = content.decode() if text is None else text
        if text.count(old) != 1:
            raise ValueError(f"{spec} {member}: patch text not found once ({why[:60]}...)")
        text = text.replace(old, new)
    return content if text is None else text.encode()


#: Packages only the tests use: kept under tests/_vendor, never copied into the site.
TEST_VENDOR = Path("tests") / "_vendor"
TEST_ONLY = ("axe-core",)


def target(spec: str, member: str, root: Path) -> Path:
    """Return where a package's file is kept: the site's vendor folder, or the tests'."""
    name = spec.rsplit("@", 1)[0]
    base = root / (TEST_VENDOR if name in TEST_ONLY else VENDOR)
    return base / name / member.removeprefix("package/")


#: The manager also asks for its fonts one folder up (its controls module's URL is
#: ``_static/@jupyter-widgets/controls``), so the fonts are also kept there.
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".eot", ".svg")


def targets(spec: str, member: str, root: Path) -> list[Path]:
    """Return every place a package's file is kept (widget fonts also one folder up)."""
    main = target(spec, member, root)
    if spec.startswith("@jupyter-widgets/html-manager") and member.endswith(FONT_SUFFIXES):
        return [main, root / VENDOR / "@jupyter-widgets" / main.name]
    return [main]


def sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check(root: Path | None = None) -> list[str]:
    """Problems with the committed copy (empty list: all files present and unchanged)."""
    root = find_root(root)
    problems = []
    for spec, member, digest in FILES:
        for path in targets(spec, member, root):
            if not path.exists():
                problems.append(f"missing {path} (run python -m booktools.vendor)")
            elif sha256(path) != digest:
                problems.append(f"changed {path}: sha256 differs from the pin")
    return problems


def fetch(spec: str, dest: Path) -> Path:
    """`npm pack` one package into *dest* and verify its registry integrity."""
    out = subprocess.run(
        ["npm", "pack", spec, "--silent"],
        cwd=dest,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    tgz = dest / out.stdout.strip().splitlines()[-1]
    algo, expected = INTEGRITY[spec].split("-", 1)
    actual = base64.b64encode(hashlib.new(algo, tgz.read_bytes()).digest()).decode()
    if actual != expected:
        raise ValueError(f"{spec}: integrity {actual[:16]}… is not the pinned {expected[:16]}…")
    return tgz


def main(argv: list[str] | None = None) -> int:
    """Fetch the pinned packages and copy their files in, or only check the copy."""
    parser = argparse.ArgumentParser(description="Vendor the widget JavaScript into book/_vendor.")
    parser.add_argument("--check", action="store_true", help="only verify the committed copy")
    parser.add_argument(
        "--root", type=Path, default=None, help="the book's folder (default: the working directory)"
    )
    args = parser.parse_args(argv)
    root = find_root(args.root)
    if not args.check:
        with tempfile.TemporaryDirectory() as tmp:
            for spec in INTEGRITY:
                tgz = fetch(spec, Path(tmp))
                with tarfile.open(tgz) as tar:
                    for s, member, _ in FILES:
                        if s != spec:
                            continue
                        content = patch(spec, member, tar.extractfile(member).read())
                        for path in targets(spec, member, root):
                            path.parent.mkdir(parents=True, exist_ok=True)
                            path.write_bytes(content)
    problems = check(root)
    for p in problems:
        print(p, file=sys.stderr)
    print("vendored JavaScript:", "OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
