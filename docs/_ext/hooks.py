"""MkDocs hooks of the documentation site (``hooks:`` in ``mkdocs.yml``).

* the tutorials (``tutorials/NN_*.py``, jupytext sources) become pages under ``tutorials/``,
  executed at build time by mkdocs-jupyter, in a temporary run directory;
* one API reference page per public module of ``neural_net`` (found by walking the package,
  so a new module gets its page), listed in the navigation;
* MathJax, from the ``jupyter-server-mathjax`` package, is copied into ``assets/mathjax/``:
  the site loads nothing from outside;
* placeholders in the Markdown pages are filled from the code itself:
  ``<!-- schema-tables -->`` (the columns of every table and view of a database the store
  just created) and ``<!-- cli-help -->`` (``neural-net <command> --help`` of every command).
"""
from __future__ import annotations

import contextlib
import io
import os
import pathlib
import pkgutil
import re
import tempfile

import mkdocs.plugins
from mkdocs.structure.files import File, Files

ROOT = pathlib.Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "tutorials"
#: Sub-packages that hold no public API (Alembic's environment and revisions).
NOT_API = ("neural_net.migrations", "neural_net.__main__")

_run_dir = tempfile.TemporaryDirectory(prefix="neural-net-docs-")


def tutorial_sources() -> list[pathlib.Path]:
    """The jupytext sources of the tutorials, in chapter order."""
    return sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))


def public_modules() -> list[str]:
    """Every importable module of ``neural_net`` whose dotted name has no ``_`` part."""
    import neural_net

    names = ["neural_net"]
    for info in pkgutil.walk_packages(neural_net.__path__, "neural_net."):
        if info.name.startswith(NOT_API) or any(p.startswith("_") for p in info.name.split(".")):
            continue
        names.append(info.name)
    return sorted(names)


def _api_uri(module: str) -> str:
    return f"api/{module}.md"


def on_config(config, **kwargs):
    # The tutorial kernels inherit this environment: runs go to a temporary directory, never
    # to a database named by the environment, and jupysql reports nothing anywhere.
    os.environ["NEURAL_NET_RUN_DIR"] = str(pathlib.Path(_run_dir.name) / "run")
    # ... and import the tutorials' shared plotting helpers (tutorials/tutorial_plots.py).
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(TUTORIALS), os.environ.get("PYTHONPATH", "")) if p)
    for name in ("NEURAL_NET_DATABASE_URL", "DATABASE_URL", "MPLBACKEND"):
        os.environ.pop(name, None)
    os.environ["PLOOMBER_STATS_ENABLED"] = "false"
    os.environ["PLOOMBER_VERSION_CHECK_DISABLED"] = "1"
    api = [{"Overview": "api/index.md"}] + [{m: _api_uri(m)} for m in public_modules()]
    for entry in config.nav or []:
        if isinstance(entry, dict) and "API reference" in entry:
            entry["API reference"] = api
    return config


def _mathjax_files(config) -> list[File]:
    import jupyter_server_mathjax

    static = pathlib.Path(jupyter_server_mathjax.__file__).parent / "static"
    files = []
    for path in sorted(static.rglob("*")):
        rel = path.relative_to(static)
        if path.is_file() and rel.parts[0] != "localization":   # English only: built in
            files.append(File.generated(config, f"assets/mathjax/{rel.as_posix()}", abs_src_path=str(path)))
    return files


@mkdocs.plugins.event_priority(100)  # before mkdocs-jupyter turns the tutorials into notebook pages
def on_files(files: Files, config, **kwargs) -> Files:
    for source in tutorial_sources():   # plain files of the repository root, under tutorials/
        for path in (source, source.with_suffix(".ipynb")):   # the notebook: downloadable
            rel = path.relative_to(ROOT).as_posix()
            files.append(File(rel, str(ROOT), config.site_dir, config.use_directory_urls))
    modules = public_modules()
    index = ["# API reference", "",
             "Generated from the docstrings (their examples run in the test suite).", ""]
    index += [f"* [`{m}`]({m}.md)" for m in modules]
    files.append(File.generated(config, "api/index.md", content="\n".join(index) + "\n"))
    for module in modules:
        files.append(File.generated(config, _api_uri(module), content=f"# `{module}`\n\n::: {module}\n"))
    for file in _mathjax_files(config):
        files.append(file)
    return files


# ---------------------------------------------------------------------------- placeholders
def schema_tables() -> str:
    """Markdown tables of the columns of each table and view, read from a fresh store."""
    import sqlalchemy as sa

    from neural_net.architecture import Sequential
    from neural_net.layers import Dense

    with tempfile.TemporaryDirectory() as tmp:
        model = Sequential([Dense(2, activation="softmax", input_dim=2)], seed=0, store=str(pathlib.Path(tmp) / "s.db"))
        url = model.db_path
        model.store.close()
        engine = sa.create_engine(url)
        try:
            inspector = sa.inspect(engine)
            out = []
            for kind, names in (("table", inspector.get_table_names()), ("view", inspector.get_view_names())):
                for name in names:
                    if name == "alembic_version":
                        continue
                    columns = ", ".join(f"`{c['name']}`" for c in inspector.get_columns(name))
                    out.append(f"| `{name}` | {kind} | {columns} |")
        finally:
            engine.dispose()
    return "| name | kind | columns |\n|---|---|---|\n" + "\n".join(out) + "\n"


def _help(argv: list[str]) -> str:
    from neural_net.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
        main([*argv, "--help"])
    return buffer.getvalue().rstrip()


def _subcommands(help_text: str) -> list[str]:
    """The sub-commands listed under ``positional arguments`` (``    name   help``)."""
    section = help_text.split("positional arguments:", 1)[-1].split("\n\n", 1)[0]
    return re.findall(r"^ {4}([a-z][\w-]*)(?: {2,}|$)", section, re.MULTILINE)


def cli_help() -> str:
    """``--help`` of the command and of every sub-command, as Markdown sections."""
    top = _help([])
    parts = ["### `neural-net`", "", "```text", top, "```", ""]
    for command in _subcommands(top):
        text = _help([command])
        nested = _subcommands(text)
        for argv in ([[command]] if not nested else [[command, n] for n in nested]):
            body = text if len(argv) == 1 else _help(argv)
            parts += [f"### `neural-net {' '.join(argv)}`", "", "```text", body, "```", ""]
    return "\n".join(parts)


PLACEHOLDERS = {"<!-- schema-tables -->": schema_tables, "<!-- cli-help -->": cli_help}


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    for marker, render in PLACEHOLDERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, render())
    return markdown


#: nbconvert's mermaid loader (``import("https://cdnjs…/mermaid…")`` on pages with diagrams).
MERMAID_LOADER = re.compile(r'<script type="module">(?:(?!</script>).)*?jp-Mermaid.*?</script>', re.DOTALL)
#: The template's MathJax ``<script src="...">`` (our MathJax comes with every page instead).
NOTEBOOK_MATHJAX = re.compile(r'<!-- Load mathjax -->\s*<script src="[^"]*">\s*</script>')


def on_post_page(output: str, page, config, **kwargs) -> str:
    if page.file.src_uri.startswith("tutorials/"):
        output = MERMAID_LOADER.sub("", output)
        output = NOTEBOOK_MATHJAX.sub("", output)
    return output
