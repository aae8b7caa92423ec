"""What a mini-program declares: its names, category, actions and their typed parameters."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..config import read_data_file
from ..errors import ManifestError, ServiceError

__all__ = [
    "MANIFEST_SUFFIXES",
    "Action",
    "ManifestError",
    "Parameter",
    "ParamType",
    "ServiceManifest",
    "describe_validation_error",
    "load_manifest_file",
]

_LOGGER = logging.getLogger(__name__)

MANIFEST_SUFFIXES = (".json", ".toml")
ParamType = Literal["string", "integer", "number", "boolean", "array", "object"]
_FROZEN = ConfigDict(frozen=True, extra="forbid")
_ID = r"^[a-z][a-z0-9_]*$"
_MAX_UTTERANCES = 20  # templates per action
_MAX_UTTERANCE = 200  # characters of a template or spoken form
_MAX_SPOKEN = 500  # values with spoken forms per parameter
_MAX_FORMS = 10  # spoken forms per value
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
}


class Parameter(BaseModel):
    """One typed parameter of an action (a small subset of JSON Schema)."""

    model_config = _FROZEN

    type: ParamType = Field("string", description="JSON type: string, integer, number, ...")
    required: bool = Field(False, description="The action cannot be called without it.")
    description: str = Field("", description="What the parameter means.")
    enum: tuple[str | int, ...] | None = Field(None, description="The only values accepted.")
    values_from: str | None = Field(
        None,
        pattern=_ID,
        description="The action that lists this parameter's values (a catalog): Ting fetches "
        "them to hear them in sentences. Found without it for a parameter that speaks of a "
        "catalog or menu, from the read-only action returning it.",
    )
    spoken: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        max_length=_MAX_SPOKEN,
        description="Value → other ways to say it ('second class': ['standard', 'economy']).",
    )

    @field_validator("spoken")
    @classmethod
    def _spoken_forms(cls, spoken: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for value, forms in spoken.items():
            if len(forms) > _MAX_FORMS or any(len(f) > _MAX_UTTERANCE for f in (value, *forms)):
                raise ValueError(
                    f"{value!r}: at most {_MAX_FORMS} spoken forms of {_MAX_UTTERANCE} "
                    "characters each"
                )
        return spoken

    def json_schema(self) -> dict[str, Any]:
        """This parameter as a JSON Schema property."""
        schema: dict[str, Any] = {"type": self.type}
        if self.description:
            schema["description"] = self.description
        if self.enum is not None:
            schema["enum"] = list(self.enum)
        return schema


class Action(BaseModel):
    """Something a mini-program can do: look up a menu, quote a price, place an order."""

    model_config = _FROZEN

    name: str = Field(description="Action name, lower_case, e.g. order_drink.", pattern=_ID)
    description: str = Field(
        description="One line starting with a verb: 'Order drinks for pickup'.", min_length=1
    )
    parameters: dict[str, Parameter] = Field(
        default_factory=dict, description="Parameters by name."
    )
    returns: str = Field("", description="What the result object holds.")
    side_effects: bool = Field(
        False,
        description="Calling it changes something (an order, a redemption): it is never "
        "retried automatically and always carries an idempotency key.",
    )
    utterances: tuple[str, ...] = Field(
        (),
        max_length=_MAX_UTTERANCES,
        description="Optional sentence templates in Ting's template syntax, slots named by "
        "parameter ('order {quantity} {item}'); without them Ting hears the action from its "
        "description and parameters.",
    )

    @model_validator(mode="after")
    def _utterances_parse(self) -> Action:
        from ..errors import TemplateError
        from ..nlu.templates import parse_template

        for utterance in self.utterances:
            if not utterance.strip() or len(utterance) > _MAX_UTTERANCE:
                raise ValueError(f"an utterance must have 1 to {_MAX_UTTERANCE} characters")
            try:
                parse_template(utterance, slots=self.parameters, where=f"action {self.name}")
            except TemplateError as exc:
                raise ValueError(str(exc)) from None
        return self

    def check_arguments(self, service: str, args: dict[str, Any]) -> dict[str, Any]:
        """The arguments if they fit the parameters, else a ServiceError saying which does not."""
        for name in args:
            if name not in self.parameters:
                raise ServiceError(f"{service}: action {self.name} has no parameter {name!r}")
        for name, param in self.parameters.items():
            if name not in args:
                if param.required:
                    raise ServiceError(f"{service}: action {self.name} needs {name!r}")
                continue
            value = args[name]
            bad_bool = isinstance(value, bool) and param.type in ("integer", "number")
            if bad_bool or not isinstance(value, _PY_TYPES[param.type]):
                raise ServiceError(
                    f"{service}: {self.name}.{name} must be of type {param.type}, got {value!r}"
                )
            if param.enum is not None and value not in param.enum:
                raise ServiceError(f"{service}: {self.name}.{name} cannot be {value!r}")
        return args

    def json_schema(self) -> dict[str, Any]:
        """The parameters as one JSON Schema object."""
        return {
            "type": "object",
            "properties": {name: p.json_schema() for name, p in self.parameters.items()},
            "required": [name for name, p in self.parameters.items() if p.required],
            "additionalProperties": False,
        }


class ServiceManifest(BaseModel):
    """A mini-program's declaration: data only, never code."""

    model_config = _FROZEN

    id: str = Field(description="Unique id, lower_case, e.g. starbucks.", pattern=_ID)
    name: str = Field(description="Display name, e.g. Starbucks.", min_length=1)
    aliases: tuple[str, ...] = Field(
        (), description="Other spoken names ('star bucks', 'starbucks coffee')."
    )
    category: str = Field(description="One category, e.g. coffee, parcels, travel.", pattern=_ID)
    description: str = Field(description="One or two sentences on what it offers.", min_length=1)
    keywords: tuple[str, ...] = Field((), description="Search words ('fresh fruit', 'delivery').")
    base_url: str | None = Field(
        None,
        description="For a remote service, the URL its actions are posted to "
        "(POST {base_url}/actions/{name}); absent for an in-process service.",
        pattern=r"^https?://[^\s]+$",
    )
    timeout: float | None = Field(
        None,
        gt=0,
        le=60,
        strict=True,
        allow_inf_nan=False,
        description="Seconds before a call gives up (default: the settings).",
    )
    actions: tuple[Action, ...] = Field(description="What it can do.", min_length=1)

    @field_validator("aliases", "keywords")
    @classmethod
    def _lower_case(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(" ".join(v.lower().split()) for v in values if v.strip())

    @field_validator("actions")
    @classmethod
    def _unique_actions(cls, actions: tuple[Action, ...]) -> tuple[Action, ...]:
        names = [a.name for a in actions]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"action {name!r} is declared twice")
        return actions

    @model_validator(mode="after")
    def _values_from_actions(self) -> ServiceManifest:
        names = {a.name for a in self.actions}
        for action in self.actions:
            for name, param in action.parameters.items():
                if param.values_from is not None and param.values_from not in names:
                    raise ValueError(
                        f"{action.name}.{name}: values_from names no action of this manifest"
                    )
        return self

    @property
    def remote(self) -> bool:
        """True when the service is called over HTTP."""
        return self.base_url is not None

    def action(self, name: str) -> Action | None:
        """The named action, or None."""
        return next((a for a in self.actions if a.name == name), None)

    def offers(self, capability: str) -> bool:
        """True if it has an action of that name."""
        return self.action(capability) is not None


def describe_validation_error(exc: ValidationError) -> str:
    """The first validation problem as 'location: message'."""
    error = exc.errors()[0]
    loc = ".".join(str(part) for part in error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key; check its spelling or remove it"
    elif error["type"] == "missing":
        message = "required key is missing"
    return f"{loc}: {message}" if loc else message


def load_manifest_file(path: str | Path) -> ServiceManifest:
    """Read one manifest from a .json or .toml file; ManifestError names the file and problem.

    Only a regular file of at most 1 MB, nested at most 32 deep, is read (see
    :func:`~assistant.config.read_data_file`).
    """
    path = Path(path)
    if path.suffix not in MANIFEST_SUFFIXES:
        raise ManifestError(f"{path}: a manifest must be a .json or .toml file")
    data = read_data_file(path, ManifestError, "manifest")
    data = _actions_as_list(data)
    try:
        manifest = ServiceManifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(f"{path}: invalid manifest: {describe_validation_error(exc)}") from exc
    _LOGGER.debug("loaded manifest %s from %s", manifest.id, path)
    return manifest


def _actions_as_list(data: dict[str, Any]) -> dict[str, Any]:
    """TOML reads best as [actions.NAME] tables; accept that and a list of actions."""
    actions = data.get("actions")
    if isinstance(actions, dict):
        listed = [
            {"name": name, **body} if isinstance(body, dict) else body
            for name, body in actions.items()
        ]
        return {**data, "actions": listed}
    return data
