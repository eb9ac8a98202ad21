"""``make site``: every lesson as a static web page, built offline (Sphinx + myst-nb + sphinx-book-theme).

What a page shows: the **student copy** (``notebooks/``) with its stored outputs — the notebook the
page's "Open in Colab" and "Launch Binder" links open, so what a reader sees is what they will work
on — and under each exercise the course's solution, folded away (``<details>``), taken from
``solutions/``. A class graded for credit builds without the folds (``--no-solutions``, or
``make site SOLUTIONS=0``). The student copy's pictures and widgets' static fallbacks are all there:
cells after an exercise run on the course's reference, so nothing is missing for want of an answer.

The build works on a staged copy (``build/site-src``): the landing page made from the README's lesson
table, the lessons (in ``notebooks/``, so a page's path is the repository's), the study guide from
``data/study_guide.json``, and MathJax 3 vendored from npm (``--mathjax``, the Makefile installs it
into ``.cache/mathjax``). Sphinx's configuration and the course's CSS are in ``etc/site``.

    python -m attnlab.course.site --mathjax .cache/mathjax/node_modules/mathjax/es5 --out build/site
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlparse

from attnlab.errors import AttnlabError
from attnlab.paths import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR, lessons

CONF_DIR = ROOT / "etc" / "site"
STAGE = ROOT / "build" / "site-src"
OUT = ROOT / "build" / "site"
# What MathJax 3's tex-chtml component loads: itself and its fonts (the page needs nothing else).
MATHJAX_FILES = ("tex-chtml.js", "output/chtml/fonts/woff-v2")
SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*\n", re.M)
ROW = re.compile(r"^\|\s*(\d\d)\s*\|\s*`(\w+)`\s*\|\s*(.+?)\s*\|\s*$", re.M)


def repository() -> str:
    """The course's repository URL: pyproject.toml's ``[project.urls] Repository``."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def github_path(url: str) -> str:
    """``owner/name`` of a GitHub URL (Colab and Binder read notebooks from GitHub only)."""
    parsed = urlparse(url if "//" in url else f"https://github.com/{url}")
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc not in ("github.com", "www.github.com") or len(parts) != 2:
        raise AttnlabError("the site's repository must be a GitHub repository, "
                           f"https://github.com/OWNER/NAME (Colab and Binder read notebooks from GitHub), "
                           f"not {url!r}")
    return "/".join(parts).removesuffix(".git")


def launch_links(lesson: str, repo: str, branch: str) -> str:
    """The Markdown line under a lesson's title: open this lesson in Colab, or in Binder's JupyterLab."""
    path = f"notebooks/{lesson}.ipynb"
    colab = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{path}"
    binder = f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{path}"
    return (f'<p class="attnlab-launch"><a class="attnlab-colab" href="{colab}">Open in Colab</a> '
            f'<a class="attnlab-binder" href="{binder}">Launch Binder</a></p>')


def solution_fold(source: str) -> str:
    """A solution cell's code, folded: what a reader opens after trying the exercise themselves."""
    code = SOLUTION_MARKERS.sub("", source).rstrip()
    return ("<details class=\"attnlab-solution\"><summary>The course's solution</summary>\n\n"
            f"```python\n{code}\n```\n\n</details>")


def _markdown_cell(source: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": source}


def _is_solution(cell: dict) -> bool:
    return bool(cell["metadata"].get("nbgrader", {}).get("solution")) and cell["cell_type"] == "code"


LESSON_LINK = re.compile(r"\]\((\d\d_\w+)\.ipynb([#)])")


def _outputs_linking_pages(cell: dict) -> dict:
    """A cell whose Markdown outputs (the study guide's questions) link lessons as pages of the site:
    Sphinx resolves links in a notebook's Markdown cells, not in its outputs."""
    if cell["cell_type"] != "code":
        return cell
    outputs = []
    for output in cell.get("outputs", []):
        markdown = output.get("data", {}).get("text/markdown")
        if markdown is not None:
            text = LESSON_LINK.sub(r"](\1.html\2", "".join(markdown))
            output = {**output, "data": {**output["data"], "text/markdown": text}}
        outputs.append(output)
    return {**cell, "outputs": outputs}


def lesson_page(lesson: str, repo: str, branch: str, solutions: bool = True) -> dict:
    """The student copy of ``lesson`` as the site shows it: launch links under the title and, when
    ``solutions``, each exercise followed by the course's solution folded away."""
    student = json.loads((NOTEBOOKS_DIR / f"{lesson}.ipynb").read_text())
    solved = {c["id"]: c for c in json.loads((SOLUTIONS_DIR / f"{lesson}.ipynb").read_text())["cells"]}
    cells = []
    for i, cell in enumerate(student["cells"]):
        cells.append(_outputs_linking_pages(cell))
        if i == 0:
            cells.append(_markdown_cell(launch_links(lesson, repo, branch), "site-launch"))
        if solutions and _is_solution(cell):
            if cell["id"] not in solved:
                raise AttnlabError(f"notebooks/{lesson}.ipynb: exercise cell {cell['id']} has no cell in "
                                   f"solutions/{lesson}.ipynb — run make notebooks LESSON={lesson}")
            cells.append(_markdown_cell(solution_fold("".join(solved[cell["id"]]["source"])),
                                        f"site-solution-{cell['id']}"))
    return {**student, "cells": cells}


def lesson_table(readme: str) -> list[tuple[str, str, str]]:
    """The README's lesson table: (number, notebook name, what you build and see) per row."""
    rows = ROW.findall(readme)
    if not rows:
        raise AttnlabError("README.md has no lesson table (rows like | 00 | `00_start_here` | … |)")
    return rows


def title(lesson: str) -> str:
    return json.loads((NOTEBOOKS_DIR / f"{lesson}.ipynb").read_text())["metadata"]["title"]


def landing_page(readme: str) -> str:
    """index.md: the README's opening paragraph, its lesson table linking each lesson, the toctree."""
    rows = lesson_table(readme)
    missing = sorted({name for _, name, _ in rows} ^ set(lessons()))
    if missing:
        raise AttnlabError(f"README.md's lesson table and solutions/ disagree on: {', '.join(missing)}")
    intro = readme.split("\n\n")[1]
    table = "\n".join(f"| [{number}](notebooks/{name}.ipynb) | [{title(name).split(' · ', 1)[-1]}]"
                      f"(notebooks/{name}.ipynb) | {what} |" for number, name, what in rows)
    toc = "\n".join(f"notebooks/{name}" for _, name, _ in rows)
    return (f"# attnlab — attention in transformers, hands-on\n\n{intro}\n\n"
            "Each lesson below is a Jupyter notebook, shown here with its stored outputs; every page "
            "opens its lesson in Colab or Binder to run it.\n\n"
            f"| # | lesson | what you build and see |\n|---|---|---|\n{table}\n\n"
            "And the [study guide](notebooks/study_guide.md) the course grew from: its questions and terms, "
            "answered, each with the lesson that shows it.\n\n"
            f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toc}\nnotebooks/study_guide\n```\n")


def study_guide_page() -> str:
    from attnlab.views.studyguide import questions_markdown, terms_markdown

    return ("# The study guide\n\nThe questions and terms of the study guide the course grew from, each "
            "answered by the course (open an answer to read it), with the lesson that shows it.\n\n"
            f"{questions_markdown()}\n\n{terms_markdown()}\n")


def stage(stage_dir: Path, mathjax: Path, solutions: bool = True, repo: str | None = None,
          branch: str = "main") -> Path:
    """Write the site's sources into ``stage_dir`` (emptied first); the launch links open ``repo``'s
    ``branch`` (default: pyproject.toml's repository, main)."""
    repo = github_path(repo or repository())
    if not (mathjax / MATHJAX_FILES[0]).is_file():
        raise AttnlabError(f"no MathJax 3 at {mathjax} (its es5 folder, with tex-chtml.js): make site "
                           "installs it from npm into .cache/mathjax")
    shutil.rmtree(stage_dir, ignore_errors=True)
    (stage_dir / "notebooks").mkdir(parents=True)
    readme = (ROOT / "README.md").read_text()
    (stage_dir / "index.md").write_text(landing_page(readme))
    (stage_dir / "notebooks" / "study_guide.md").write_text(study_guide_page())
    for lesson in lessons():
        page = lesson_page(lesson, repo, branch, solutions)
        (stage_dir / "notebooks" / f"{lesson}.ipynb").write_text(json.dumps(page, ensure_ascii=False))
    shutil.copy2(CONF_DIR / "conf.py", stage_dir / "conf.py")
    static = stage_dir / "_static"
    shutil.copytree(CONF_DIR / "_static", static)
    for part in MATHJAX_FILES:
        source, target = mathjax / part, static / "mathjax" / part
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return stage_dir


def build(mathjax: Path, out: Path = OUT, stage_dir: Path = STAGE, quiet: bool = True, **settings) -> Path:
    """Stage (``settings``: those of :func:`stage`) and build the site into ``out``; Sphinx's warnings
    fail the build (-W)."""
    stage(stage_dir, mathjax, **settings)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", str(stage_dir), str(out)]
    command += ["-q"] if quiet else []
    subprocess.run(command, check=True)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mathjax", type=Path, required=True, help="MathJax 3's es5 folder (npm's mathjax)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-solutions", dest="solutions", action="store_false",
                        help="leave the course's solutions out (a class graded for credit)")
    parser.add_argument("--repository", help="the GitHub repository the launch links open "
                        "(default: pyproject.toml's [project.urls] Repository)")
    parser.add_argument("--branch", default="main")
    args = parser.parse_args(argv)
    try:
        out = build(args.mathjax, args.out, solutions=args.solutions, repo=args.repository,
                    branch=args.branch)
    except AttnlabError as error:
        sys.exit(f"make site: {error}")
    except subprocess.CalledProcessError as error:
        sys.exit(f"make site: Sphinx failed ({error.returncode}); its messages are above")
    print(f"the site: {out / 'index.html'}")


if __name__ == "__main__":
    main()
