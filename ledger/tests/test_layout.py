"""The layout the README draws is the tree there is, and no project modules import each other in a cycle."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "bin" / "check-import-cycles"


def run_check(root=None):
    return subprocess.run([sys.executable, str(CHECK), *([str(root)] if root else [])], capture_output=True, text=True)


def test_no_modules_of_the_project_import_each_other_in_a_cycle():
    result = run_check()
    assert result.returncode == 0, result.stdout


def test_the_check_names_a_cycle_even_through_an_import_inside_a_function(tmp_path):
    package = tmp_path / "tasks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "reading.py").write_text("from tasks.writing import write\n")
    (package / "writing.py").write_text("def write():\n    from .reading import read\n")
    (package / "alone.py").write_text("import tasks.reading\n")

    result = run_check(tmp_path)

    assert result.returncode == 1
    assert "import cycle between: tasks.reading, tasks.writing" in result.stdout
    assert "tasks.alone" not in result.stdout


def layout_block():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Layout", 1)[1].split("```")[1]


def test_the_readme_layout_names_every_package_of_the_project_and_of_tasks():
    named = set(re.findall(r"([a-z_]+)/", layout_block()))
    top = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "conftest"}
    inside_tasks = {
        p.name for p in (ROOT / "tasks").iterdir() if (p / "__init__.py").exists() and p.name not in {"tests", "migrations"}
    }
    assert top - named == set()
    assert inside_tasks - named - {"management", "templatetags"} == set()


def test_every_folder_the_readme_layout_names_is_there():
    block = layout_block()
    missing = []
    parent = None
    for line in block.splitlines():
        for indent, name in re.findall(r"^( *)([a-z_]+)/", line):
            if indent:
                path = ROOT / parent / name
            else:
                parent, path = name, ROOT / name
            if not path.is_dir():
                missing.append(str(path.relative_to(ROOT)))
        for name in re.findall(r"(?<=\s)(api|channels|corpus)/", line):
            if not any((ROOT / p / name).is_dir() for p in ("tasks", "notices", "fixtures")):
                missing.append(name)
    assert missing == []
