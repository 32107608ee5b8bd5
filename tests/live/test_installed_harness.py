"""A programme's own suite, run by an unmodified harness installed from a clean clone, on the REAL bundled Odoo 19.

`git clone` of this repository at HEAD into a temporary directory, `python -m venv`, `pip install <clone>` (not
editable: the suite reaches the install inside the package, odoo_uat/_suite), `uat init` of a programme directory
outside any checkout, `uat doctor --offline`, then `uat run --features-dir features --sites-dir sites -- -m
preventive_maintenance` from the programme directory against a provisioned database. The clone stays unedited
and the run's evidence lands in the programme's ./reports, not in site-packages.

`git clone` sees committed work only. UAT_INSTALL_FROM_WORKTREE=1 installs from a copy of the working tree
(tracked and untracked files that .gitignore does not exclude) instead, to try uncommitted changes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.live.bundle import REPO_ROOT, LiveTarget

FROM_WORKTREE = os.environ.get("UAT_INSTALL_FROM_WORKTREE") == "1"  # read before the autouse fixture clears UAT_*
BASE_PYTHON = Path(getattr(sys, "_base_executable", sys.executable))


def sh(args: Sequence[str | Path], *, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300) -> str:
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def source_tree(destination: Path) -> Path:
    if not FROM_WORKTREE:
        sh(["git", "clone", "--quiet", "--no-hardlinks", REPO_ROOT, destination], cwd=REPO_ROOT.parent)
        return destination
    listed = sh(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT).split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file() and not name.startswith("node_modules/"):
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def test_a_programme_runs_its_suite_with_a_harness_installed_from_a_clean_clone(
    fresh_target: LiveTarget, tmp_path: Path
) -> None:
    started = time.monotonic()
    clone = source_tree(tmp_path / "odoo-uat")
    venv = tmp_path / "venv"
    sh([BASE_PYTHON, "-m", "venv", venv], cwd=tmp_path)
    base_env = {key: value for key, value in fresh_target.env.items() if not key.startswith("UAT_REPORTS")}
    env = {**base_env, "PATH": f"{venv / 'bin'}{os.pathsep}{base_env.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}
    sh([venv / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", clone], cwd=tmp_path, env=env)
    installed = time.monotonic() - started
    site_packages = Path(
        sh(
            [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp_path
        ).strip()
    )
    root = sh(
        [venv / "bin" / "python", "-c", "from odoo_uat import config; print(config.INSTALLED, config.PROJECT_ROOT)"],
        cwd=tmp_path,
    ).split()
    assert root == ["True", str(site_packages / "odoo_uat" / "_suite")]
    assert not (site_packages / "steps").exists()  # the suite adds no top-level `steps` or `fixtures`
    assert not (site_packages / "fixtures").exists()

    programme = tmp_path / "programme"
    uat = venv / "bin" / "uat"
    sh([uat, "init", programme], cwd=tmp_path, env=env)
    offline = sh(
        [uat, "doctor", "--offline", "--features-dir", "features", "--sites-dir", "sites"], cwd=programme, env=env
    )
    assert "0 with a problem" in offline

    run = subprocess.run(
        [uat, "run", "--features-dir", "features", "--sites-dir", "sites", "--", "-m", "preventive_maintenance"],
        cwd=programme,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "passed" in run.stdout
    runs = list((programme / "reports" / "runs").iterdir())
    assert len(runs) == 1, runs
    readiness = (runs[0] / "readiness.md").read_text(encoding="utf-8")
    for site in ("CLINIC", "HOSP", "LAB"):
        assert site in readiness
    assert not (site_packages / "odoo_uat" / "_suite" / "reports").exists()
    if not FROM_WORKTREE:  # the clone is not edited: no tracked file changed by installing or running
        assert sh(["git", "status", "--porcelain", "--untracked-files=no"], cwd=clone) == ""
    elapsed = time.monotonic() - started
    print(f"installed in {installed:.0f} s; init, doctor and the run in {elapsed - installed:.0f} s")
