"""Code-health figures for the structure issue: run ``python bench/code_health.py``.

Prints, for the first-party packages (``analytics``, ``render``, ``ui``, ``pages``, ``app.py``):

- function signatures that name the anonymity threshold (a parameter called ``min_group_size`` or ``k``),
  split by package;
- function signatures that take the HR exclusion settings as loose parameters
  (``exclude_staff_groups``, ``exclude_job_roles``, ``exclude_assignment_categories``,
  ``exclude_doctors_in_training``) instead of one ``HRExclusions`` value;
- the largest modules (lines);
- the most complex functions (McCabe cyclomatic complexity, counted as radon counts it: 1 + each
  ``if``/``elif``/loop/``except``/``with``-less branch, boolean operator operand and comprehension ``if``);
- imports that break the layering (``analytics`` importing ``streamlit``, ``plotly`` or ``ui``;
  ``render`` importing ``streamlit`` or ``ui``).

Only the standard library is used, so it runs before anything is installed.
"""
from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("analytics", "render", "cli", "ui", "pages")
K_NAMES = {"min_group_size", "k"}
EXCLUSION_NAMES = {"exclude_staff_groups", "exclude_job_roles", "exclude_assignment_categories",
                   "exclude_doctors_in_training"}
# ``python -m analytics`` must start the command line, so the package's launcher alone may import it.
LAUNCHERS = {"analytics/__main__.py"}
FORBIDDEN = {"analytics": ("streamlit", "plotly", "ui", "render", "cli"), "render": ("streamlit", "ui")}


def source_files() -> list[Path]:
    files = [ROOT / "app.py"] if (ROOT / "app.py").exists() else []
    for package in PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def complexity(node: ast.AST) -> int:
    """McCabe complexity of one function body, nested functions excluded (they are counted alone)."""
    score = 1
    for child in ast.walk(node):
        if child is not node and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(child, (ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler,
                              ast.Assert)):
            score += 1
        elif isinstance(child, ast.BoolOp):
            score += len(child.values) - 1
        elif isinstance(child, ast.comprehension):
            score += 1 + len(child.ifs)
        elif isinstance(child, ast.match_case):
            score += 1
    return score


def parameter_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = node.args
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}


def main() -> int:
    k_signatures: Counter[str] = Counter()
    exclusion_signatures = 0
    sizes: list[tuple[int, str]] = []
    functions: list[tuple[int, str]] = []
    layer_breaks: list[str] = []
    for path in source_files():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        sizes.append((text.count("\n") + 1, rel))
        tree = ast.parse(text)
        top = rel.split("/")[0]
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = parameter_names(node)
                if names & K_NAMES:
                    k_signatures[top] += 1
                if names & EXCLUSION_NAMES:
                    exclusion_signatures += 1
                functions.append((complexity(node), f"{rel}:{node.lineno} {node.name}"))
            elif isinstance(node, (ast.Import, ast.ImportFrom)) and top in FORBIDDEN and rel not in LAUNCHERS:
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for module in modules:
                    if module.split(".")[0] in FORBIDDEN[top]:
                        layer_breaks.append(f"{rel}:{node.lineno} imports {module}")
    total_k = sum(k_signatures.values())
    print(f"signatures naming k: {total_k} ({', '.join(f'{p} {n}' for p, n in sorted(k_signatures.items()))})")
    print(f"signatures with loose HR exclusion parameters: {exclusion_signatures}")
    print("largest modules:")
    for lines, rel in sorted(sizes, reverse=True)[:8]:
        print(f"  {lines:5d}  {rel}")
    over = [f for f in functions if f[0] > 15]
    print(f"functions over complexity 15: {len(over)}; most complex:")
    for score, name in sorted(functions, reverse=True)[:10]:
        print(f"  {score:4d}  {name}")
    print(f"layer breaks: {len(layer_breaks)}")
    for line in layer_breaks:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
