"""The layers contract (pyproject.toml, [tool.importlinter]; docs/architecture.md, "Layers") holds for
the code as it is, and fails for a deliberate wrong import: a lower layer importing a higher one, one
programme importing another, and an app that no layer names.

The wrong imports are made in a copy of the package renamed `layered` (the installed, editable
`shanghui` would otherwise be the one analysed), checked with the same contract, renamed likewise.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
COPY = "layered"


def lint(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own tool on our own files)
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(config)],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_code_keeps_the_layers() -> None:
    result = lint(ROOT / "pyproject.toml", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.fixture(scope="module")
def copy(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[dict[str, str]], subprocess.CompletedProcess[str]]:
    """check({relative path: source}) → lint-imports over a renamed copy of the package with those
    files added (or replaced)."""

    def rename(text: str) -> str:
        return re.sub(r"\bshanghui\b", COPY, text)

    def check(files: dict[str, str]) -> subprocess.CompletedProcess[str]:
        base = tmp_path_factory.mktemp("layers")
        for source in (ROOT / "shanghui").rglob("*.py"):
            target = base / COPY / source.relative_to(ROOT / "shanghui")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rename(source.read_text(encoding="utf-8")), encoding="utf-8")
        for relative, text in files.items():
            path = base / COPY / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(rename(text), encoding="utf-8")
        config = base / "pyproject.toml"
        config.write_text(rename((ROOT / "pyproject.toml").read_text(encoding="utf-8")), encoding="utf-8")
        return lint(config, base)

    return check


def test_the_unchanged_copy_keeps_the_layers(copy: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    result = copy({})
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_lower_layer_importing_a_programme_breaks_the_contract(
    copy: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    original = (ROOT / "shanghui" / "orgs" / "services.py").read_text(encoding="utf-8")
    result = copy({"orgs/services.py": original + "\nfrom shanghui.proxy.models import Case  # noqa\n"})
    assert result.returncode == 1
    assert "1 broken" in result.stdout
    assert f"{COPY}.orgs.services -> {COPY}.proxy.models" in result.stdout


def test_a_programme_importing_another_programme_breaks_the_contract(
    copy: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    # mediation is a programme to come (an optional layer): importing the proxy app's internals fails.
    result = copy(
        {
            "mediation/__init__.py": "",
            "mediation/services.py": "from shanghui.proxy.workflow import MACHINE\n",
        }
    )
    assert result.returncode == 1
    assert f"{COPY}.mediation.services -> {COPY}.proxy.workflow" in result.stdout


def test_an_app_no_layer_names_breaks_the_contract(
    copy: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    result = copy({"newapp/__init__.py": "", "newapp/models.py": "from shanghui.lib import bounds\n"})
    assert result.returncode == 1
    assert f"{COPY}.newapp" in result.stdout
