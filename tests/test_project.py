"""Project rules that a green run must keep: the core stays free of the UI, lint is clean."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_explorer_never_imports_streamlit():
    for path in (ROOT / "explorer").glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.split(".")[0] == "streamlit" for name in names), path


def test_importing_every_explorer_module_loads_no_streamlit():
    modules = sorted(p.stem for p in (ROOT / "explorer").glob("*.py") if p.stem != "__init__")
    code = "import sys\n" + "".join(f"import explorer.{m}\n" for m in modules)
    code += "assert 'streamlit' not in sys.modules, 'streamlit was imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    assert "<!-- test-command -->" in readme and "<!-- /test-command -->" in readme
    assert "README.md" in (ROOT / ".ci" / "run").read_text()


def test_requirements_are_exact_pins():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert "==" in line, line
    assert "torch==2.13.0" in (ROOT / "requirements.txt").read_text()
    assert "opencv-python-headless" in (ROOT / "requirements.txt").read_text()
