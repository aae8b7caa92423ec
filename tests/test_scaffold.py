"""`assistant new-skill`: the package it writes installs with pip and its tests pass."""

from __future__ import annotations

import importlib.util
import os
import site
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from assistant import Skill
from assistant.testing import Conversation, assert_intent, assert_reply_contains, build_assistant


def new_skill(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "new-skill", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    result = new_skill("hello", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "ting-hello"


def test_writes_a_package(generated: Path) -> None:
    assert sorted(str(p.relative_to(generated)) for p in generated.rglob("*") if p.is_file()) == [
        "README.md",
        "pyproject.toml",
        "src/ting_hello/__init__.py",
        "src/ting_hello/skill.toml",
        "tests/test_hello.py",
    ]
    project = tomllib.loads((generated / "pyproject.toml").read_text())
    assert project["project"]["name"] == "ting-hello"
    assert project["project"]["dependencies"] == ["ting"]
    assert project["project"]["entry-points"]["ting"] == {"hello": "ting_hello"}
    skill = Skill.from_toml(generated / "src" / "ting_hello" / "skill.toml")
    assert skill.name == "hello"
    assert [i.name for i in skill.intents] == ["hello.greet"]
    assert "friend" in skill.lists


def test_directory_option(tmp_path: Path) -> None:
    result = new_skill("bike_share", "--directory", "elsewhere/bikes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tomllib.loads((tmp_path / "elsewhere/bikes/pyproject.toml").read_text())
    assert project["project"]["name"] == "ting-bike-share"
    assert (tmp_path / "elsewhere/bikes/src/ting_bike_share/skill.toml").is_file()


@pytest.mark.parametrize("name", ["Hello", "1st", "my-skill", "hello world", "class", "coffee"])
def test_refuses_a_bad_name(tmp_path: Path, name: str) -> None:
    result = new_skill(name, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite(generated: Path) -> None:
    readme = generated / "README.md"
    readme.write_text("mine")
    result = new_skill("hello", cwd=generated.parent)
    assert result.returncode == 2
    assert "already exists" in result.stderr and result.stderr.count("\n") == 1
    assert readme.read_text() == "mine"


def test_loads_from_a_plugin_directory(generated: Path, tmp_path: Path) -> None:
    """The package folder works as a --plugins-dir plugin before it is installed."""
    assistant = build_assistant(generated / "src", data_dir=tmp_path / "data")
    with assistant:
        assert assistant.skills["hello"].origin == "directory"
        conversation = Conversation(assistant)
        turn = conversation.say("say hello")
        assert turn.expecting == "friend"
        turn = conversation.say("bobby")
        assert_intent(turn, "hello.greet", friend="bob")
        assert_reply_contains(turn, "Hello, Bob!")


def test_say_with_plugins_dir(generated: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "say",
            "--plugins-dir",
            str(generated / "src"),
            "greet mary jane two times",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Hello, Mary Jane! Hello, Mary Jane!"


def test_pip_installs_and_its_tests_pass(generated: Path, tmp_path: Path) -> None:
    """Install the package into a fresh venv (seeing this Ting) and run its own tests there."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # The venv sees the packages of the environment running these tests (this Ting, pytest),
    # whether that is a venv or not, and not whatever else the base interpreter has.
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (Path(inner) / "_outer_environment.pth").write_text(
        "".join(f"import site; site.addsitedir({path!r})\n" for path in outer)
    )
    install = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(generated)]
    if importlib.util.find_spec("wheel") is not None:  # setuptools < 70.1 builds wheels with it
        install.insert(-2, "--no-build-isolation")
    result = subprocess.run(install, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr

    env = {k: v for k, v in os.environ.items() if not k.startswith("TING_")}
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=generated,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout


def test_pyproject_registers_the_slow_marker_and_mypy(generated: Path) -> None:
    project = tomllib.loads((generated / "pyproject.toml").read_text())
    pytest_options = project["tool"]["pytest"]["ini_options"]
    assert any(marker.startswith("slow:") for marker in pytest_options["markers"])
    assert "--strict-markers" in pytest_options["addopts"]
    mypy_options = project["tool"]["mypy"]
    assert mypy_options["plugins"] == ["pydantic.mypy"]
    assert mypy_options["mypy_path"][0] == "src"
    assert any("mypy" in dep for dep in project["project"]["optional-dependencies"]["test"])
    import assistant

    root = Path(assistant.__file__).resolve().parent.parent
    if str(root) not in {str(Path(entry).resolve()) for entry in sys.path if entry}:
        assert mypy_options["mypy_path"][1:] == [str(root)]  # Ting found through an import hook


def test_the_slow_marker_is_known(generated: Path) -> None:
    (generated / "tests" / "test_audio.py").write_text(
        "import pytest\n\n\n@pytest.mark.slow\ndef test_audio() -> None:\n    pass\n\n\n"
        "def test_text() -> None:\n    pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow"]
        + ["tests/test_audio.py"],
        cwd=generated,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 deselected" in result.stdout


def test_mypy_passes_on_the_generated_package(generated: Path) -> None:
    pytest.importorskip("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(generated / ".mypy_cache")],
        cwd=generated,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found in 2 source files" in result.stdout
