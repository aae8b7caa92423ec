"""Service manifests: validation, files, duplicates, and the register_services hook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant import ServiceError, hookimpl
from assistant.services import (
    Catalog,
    ManifestError,
    ServiceDirectory,
    ServiceManifest,
    load_manifest_file,
)
from assistant.services.catalog import build_directory
from assistant.services.samples import MANIFEST_DIR, bundled_services

TEA = {
    "id": "tea_house",
    "name": "Tea House",
    "aliases": ["the tea house"],
    "category": "tea",
    "description": "Loose-leaf tea by the gram.",
    "keywords": ["tea", "oolong"],
    "base_url": "http://127.0.0.1:9/tea",
    "actions": [
        {
            "name": "price",
            "description": "Price some tea",
            "parameters": {"tea": {"type": "string", "required": True}},
        }
    ],
}


def _write(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_every_bundled_manifest_loads() -> None:
    loaded = bundled_services()
    assert len(loaded) == len(list(MANIFEST_DIR.glob("*.toml"))) >= 15
    for manifest, handlers in loaded:
        assert set(handlers) == {a.name for a in manifest.actions}


def test_json_and_toml_manifests_load(tmp_path: Path) -> None:
    manifest = load_manifest_file(_write(tmp_path, "tea.json", TEA))
    assert manifest.remote and manifest.action("price") is not None
    toml = (MANIFEST_DIR / "starbucks.toml").read_text(encoding="utf-8")
    from_toml = load_manifest_file(_write(tmp_path, "sb.toml", toml))
    assert from_toml.id == "starbucks" and from_toml.action("order_drink").side_effects  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": "Tea House"}, "id: String should match pattern"),
        ({"actions": []}, "actions: Tuple should have at least 1 item"),
        ({"colour": "green"}, "colour: unknown key"),
        ({"name": None}, "name: Input should be a valid string"),
        ({"base_url": "ftp://x"}, "base_url: String should match pattern"),
        ({"actions": [{"name": "price"}]}, "actions.0.description: required key is missing"),
    ],
)
def test_invalid_manifest_names_file_and_problem(
    tmp_path: Path, change: dict[str, Any], problem: str
) -> None:
    path = _write(tmp_path, "tea.json", {**TEA, **change})
    with pytest.raises(ManifestError) as caught:
        load_manifest_file(path)
    assert str(caught.value).startswith(f"{path}: invalid manifest: ")
    assert problem in str(caught.value)


def test_unreadable_manifests_name_the_file(tmp_path: Path) -> None:
    bad_json = _write(tmp_path, "a.json", "{not json")
    with pytest.raises(ManifestError, match=r"a\.json: not valid JSON"):
        load_manifest_file(bad_json)
    bad_toml = _write(tmp_path, "b.toml", "id = ")
    with pytest.raises(ManifestError, match=r"b\.toml: not valid TOML"):
        load_manifest_file(bad_toml)
    with pytest.raises(ManifestError, match=r"c\.json: a manifest must be one object"):
        load_manifest_file(_write(tmp_path, "c.json", "[1, 2]"))


def test_duplicate_ids_name_both_sources(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.json", TEA)
    second = _write(tmp_path, "b.json", {**TEA, "name": "Other Tea"})
    catalog = Catalog()
    catalog.add_folder(tmp_path)
    assert list(catalog.entries) == ["tea_house"]
    assert catalog.problems == [
        f"{second}: service id 'tea_house' is already declared by {first}; rename one of them"
    ]
    with pytest.raises(ManifestError, match="already declared by"):
        Catalog(strict=True).add_folder(tmp_path)


def test_folder_manifest_needs_a_base_url(tmp_path: Path) -> None:
    no_url = {k: v for k, v in TEA.items() if k != "base_url"}
    path = _write(tmp_path, "tea.json", no_url)
    catalog = Catalog()
    catalog.add_folder(tmp_path)
    assert not catalog.entries
    assert catalog.problems == [
        f"{path}: a manifest file needs a base_url (in-process services come from plugins)"
    ]


def test_handlers_must_match_actions() -> None:
    local = {k: v for k, v in TEA.items() if k != "base_url"}
    with pytest.raises(ManifestError, match="no handler for price"):
        Catalog().add(local, "test")
    with pytest.raises(ManifestError, match="handler for unknown action tea_house.brew"):
        Catalog().add(local, "test", {"price": lambda a, c: {}, "brew": lambda a, c: {}})
    with pytest.raises(ManifestError, match="has a base_url and handlers"):
        Catalog().add(TEA, "test", {"price": lambda a, c: {}})


def test_arguments_are_checked_against_parameters() -> None:
    local = {k: v for k, v in TEA.items() if k != "base_url"}
    catalog = Catalog(strict=True)
    catalog.add(local, "test", {"price": lambda args, ctx: {"yuan": 12}})
    directory = catalog.directory()
    try:
        assert directory.call("tea_house", "price", {"tea": "oolong"}).data == {"yuan": 12}
        with pytest.raises(ServiceError, match="needs 'tea'"):
            directory.call("tea_house", "price", {})
        with pytest.raises(ServiceError, match="must be of type string"):
            directory.call("tea_house", "price", {"tea": 3})
        with pytest.raises(ServiceError, match="has no parameter 'milk'"):
            directory.call("tea_house", "price", {"tea": "oolong", "milk": True})
        with pytest.raises(ServiceError, match="has no action 'brew'"):
            directory.call("tea_house", "brew", {})
    finally:
        directory.close()


def test_manifest_is_frozen() -> None:
    manifest = ServiceManifest.model_validate(TEA)
    with pytest.raises(Exception, match="frozen"):
        manifest.name = "x"  # type: ignore[misc]


class _TeaPlugin:
    """A test plugin contributing one in-process service."""

    def __init__(self, service_id: str = "tea_house") -> None:
        self.service_id = service_id

    @hookimpl
    def register_services(self, register: Any) -> None:
        local = {k: v for k, v in TEA.items() if k != "base_url"}
        register({**local, "id": self.service_id}, handlers={"price": lambda a, c: {"yuan": 8}})


def test_hook_register_services(ting_assistant_factory: Any) -> None:
    assistant = ting_assistant_factory(_TeaPlugin())  # the services plugin always loads
    directory = assistant.services
    assert isinstance(directory, ServiceDirectory)
    assert "tea_house" in directory and "starbucks" in directory
    assert directory.entries["tea_house"].source == "plugin '_TeaPlugin'"
    assert directory.call("tea_house", "price", {"tea": "oolong"}).data == {"yuan": 8}
    assert directory.search("oolong")[0].manifest.id == "tea_house"


def test_register_services_duplicate_from_plugins_names_both(ting_assistant_factory: Any) -> None:
    assistant = ting_assistant_factory(_TeaPlugin("starbucks"))
    directory = assistant.services
    assert directory.get("starbucks").name == "Starbucks"
    assert any(
        "plugin '_TeaPlugin': service id 'starbucks' is already declared by plugin 'services'" in p
        for p in directory.problems
    ), directory.problems


def test_manifest_folder_from_settings(tmp_path: Path) -> None:
    from assistant.config import Settings
    from assistant.plugins import get_plugin_manager

    folder = tmp_path / "services"
    folder.mkdir()
    _write(folder, "tea.json", TEA)
    settings = Settings(data_dir=tmp_path / "data", services={"manifests": folder})
    registry = get_plugin_manager(installed=False)  # the system and services plugins only
    directory = build_directory(registry.manager, settings)
    try:
        assert directory.entries["tea_house"].source == str(folder / "tea.json")
        assert directory.get("tea_house").remote  # type: ignore[union-attr]
    finally:
        directory.close()
