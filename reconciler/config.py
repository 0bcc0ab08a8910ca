"""The project configuration, ``stagingpro.yaml``: environments and their policies.

::

    version: 1
    defaults:            # settings every environment inherits
      safety: {max_delete_share: 0.1}
    environments:
      production:
        backend: {store_hash: abc123, token_env: BC_PRODUCTION_TOKEN}
        protected: true
      staging:
        backend: {sandbox: ridgeline-staging}
    teams:
      agency: {members: [octocat], role: editor, kinds: [theme, page]}

Tokens never appear here, only the *names* of the environment variables holding them.
:func:`effective_environment` merges ``defaults`` with one environment's settings.
:func:`load_config` reads the file and reports every problem with its line.

PyYAML reads YAML 1.1, where unquoted ``on``/``off`` are booleans and ``22:00`` is the
integer 1320 (base 60). The models accept those forms where this file uses the words
(``on:`` in notification routes, ``off`` as a prune mode, ``HH:MM`` times), so users need
not quote them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from reconciler.errors import ConfigError
from reconciler.kinds.fields import EnvVarName, HttpsUrl
from reconciler.kinds.registry import KINDS, kind_named
from reconciler.lifecycle_settings import FieldLifecycle, Lifecycle, merged_lifecycle

CONFIG_FILE = "stagingpro.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- backends -------------------------------------------------------------------------


class StoreBackend(_Strict):
    """A real BigCommerce store; the access token is read from ``token_env``."""

    store_hash: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{1,64}$")]
    token_env: EnvVarName
    read_token_env: EnvVarName | None = None
    """A token with read-only scopes, used by everything that only reads (plan, validate
    against the store, drift checks), so those jobs never hold the write token."""
    api_url: HttpsUrl | None = None
    """Base URL of the API (default ``https://api.bigcommerce.com``); any other host must
    also be allowed outside the repository, in ``$STAGINGPRO_ALLOWED_API_HOSTS``."""


class SandboxBackend(_Strict):
    """The embedded local store with this store hash (created on first use)."""

    sandbox: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    token_env: EnvVarName | None = None
    """Optional: a token the sandbox then requires, to rehearse authentication."""
    read_token_env: EnvVarName | None = None
    """Optional: a read-only token for what only reads (rehearses ``read_token_env`` of a
    real store; the sandbox must already know it, with read-only scopes)."""


def _backend_tag(value: Any) -> str:
    if isinstance(value, dict):
        return "sandbox" if "sandbox" in value else "store"
    return "sandbox" if isinstance(value, SandboxBackend) else "store"


Backend = Annotated[
    Annotated[StoreBackend, Tag("store")] | Annotated[SandboxBackend, Tag("sandbox")],
    Discriminator(_backend_tag),
]


# --- policies -------------------------------------------------------------------------

PruneMode = Literal["off", "owned", "all"]
"""``off``: never delete undeclared live items; ``owned``: delete only those StagingPro
created; ``all``: delete every undeclared live item of the kind."""


class Safety(_Strict):
    """Thresholds that block a plan unless forced with a reason.

    A plan is blocked when it updates more than ``max_update_share`` or deletes more than
    ``max_delete_share`` of a kind's live items, once the kind has at least ``min_items``.
    """

    max_update_share: Annotated[float, Field(ge=0, le=1)] = 0.30
    max_delete_share: Annotated[float, Field(ge=0, le=1)] = 0.30
    min_items: Annotated[int, Field(ge=0)] = 10


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


def _hhmm(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 22:00 as the base-60 integer 1320; turn it back.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


class DeployWindow(_Strict):
    """When applies may run: on ``days``, from ``start`` to ``end`` in ``timezone``.

    An ``end`` earlier than ``start`` spans midnight (the window belongs to the day it
    starts on).
    """

    days: Annotated[list[Day], Field(min_length=1)]
    start: Annotated[str, StringConstraints(pattern=HHMM)]
    end: Annotated[str, StringConstraints(pattern=HHMM)]
    timezone: str

    @field_validator("start", "end", mode="before")
    @classmethod
    def _yaml_sexagesimal(cls, value: Any) -> Any:
        return _hhmm(value)

    @field_validator("days")
    @classmethod
    def _days_unique(cls, days: list[Day]) -> list[Day]:
        if len(set(days)) != len(days):
            raise ValueError("lists a day more than once")
        return days

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"{name!r} is not an IANA time zone (e.g. Europe/London){hint}"
            ) from None
        return name

    @model_validator(mode="after")
    def _not_empty(self) -> DeployWindow:
        if self.start == self.end:
            raise ValueError(f"start and end are both {self.start}: the window would be empty")
        return self

    def contains(self, moment: datetime) -> bool:
        """Whether the aware datetime ``moment`` falls inside this window."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        start, end = time.fromisoformat(self.start), time.fromisoformat(self.end)
        now = local.time().replace(tzinfo=None)
        today = DAYS[local.weekday()]
        if start < end:
            return today in self.days and start <= now < end
        yesterday = DAYS[(local.weekday() - 1) % 7]
        return (today in self.days and now >= start) or (yesterday in self.days and now < end)


Event = Literal["plan_blocked", "apply_succeeded", "apply_failed", "drift_detected"]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class SlackTarget(_Strict):
    webhook_env: EnvVarName
    """The variable holding the Slack incoming-webhook URL."""


class TeamsTarget(_Strict):
    webhook_env: EnvVarName
    """The variable holding the Microsoft Teams incoming-webhook URL."""


class EmailTarget(_Strict):
    to: Annotated[list[Email], Field(min_length=1)]
    smtp_host: Annotated[str, StringConstraints(min_length=1, pattern=r"^[A-Za-z0-9.-]+$")]
    smtp_port: Annotated[int, Field(ge=1, le=65535)]
    sender: Email = Field(alias="from")
    password_env: EnvVarName | None = None


class NotificationRoute(_Strict):
    """Send these events (``on``) to exactly one channel: slack, teams or email."""

    on: Annotated[list[Event], Field(min_length=1)]
    slack: SlackTarget | None = None
    teams: TeamsTarget | None = None
    email: EmailTarget | None = None

    @model_validator(mode="before")
    @classmethod
    def _yaml_on_key(cls, data: Any) -> Any:
        # YAML 1.1 reads the unquoted key `on` as the boolean True.
        if isinstance(data, dict) and True in data and "on" not in data:
            data = {("on" if key is True else key): value for key, value in data.items()}
        return data

    @model_validator(mode="after")
    def _one_channel(self) -> NotificationRoute:
        channels = [name for name in ("slack", "teams", "email") if getattr(self, name)]
        if len(channels) != 1:
            got = ", ".join(channels) if channels else "none"
            raise ValueError(f"a route needs exactly one of slack, teams, email (got {got})")
        if len(set(self.on)) != len(self.on):
            raise ValueError("on lists an event more than once")
        return self

    @property
    def channel(self) -> SlackTarget | TeamsTarget | EmailTarget:
        """The route's one channel."""
        target = self.slack or self.teams or self.email
        assert target is not None  # guaranteed by _one_channel
        return target


def _kind_name(value: str) -> str:
    try:
        return kind_named(value).name
    except ConfigError as exc:
        raise ValueError(str(exc).replace("\n  hint:", ";")) from None


class Settings(_Strict):
    """Settings an environment may set and ``defaults`` may give to all environments."""

    protected: bool | None = None
    """A protected environment needs explicit confirmation to apply."""
    prune: dict[str, PruneMode] | None = None
    """Per kind: which undeclared live items to delete (default ``off``)."""
    safety: Safety | None = None
    deploy_windows: list[DeployWindow] | None = None
    """Applies run only inside one of these windows (none given: at any time)."""
    notifications: list[NotificationRoute] | None = None
    lifecycle: Lifecycle | None = None
    """Per kind: fields left alone after create (``create_only``) or always (``ignore``);
    see :mod:`reconciler.lifecycle_settings`."""

    @field_validator("prune", mode="before")
    @classmethod
    def _prune_modes(cls, prune: Any) -> Any:
        if isinstance(prune, dict):
            # YAML 1.1 reads an unquoted `off` as False.
            return {key: ("off" if value is False else value) for key, value in prune.items()}
        return prune

    @field_validator("prune")
    @classmethod
    def _prune_kinds(cls, prune: dict[str, PruneMode] | None) -> dict[str, PruneMode] | None:
        if prune is None:
            return None
        named: dict[str, PruneMode] = {}
        for key, mode in prune.items():
            name = _kind_name(key)
            if name in named:
                raise ValueError(f"kind {name} is given twice ({key!r})")
            if mode == "owned" and not kind_named(name).can_mark_owned:
                raise ValueError(
                    f"{key}: owned: StagingPro cannot mark the {name} items it creates in"
                    " BigCommerce, so 'owned' would never delete any; use 'off' or 'all'"
                )
            named[name] = mode
        return named


class Prerequisite(_Strict):
    """An environment that must have applied a change before this one may (``after:``);
    with ``verified: true`` its ``verify`` command must also have passed."""

    environment: str
    verified: bool = False


class Pin(_Strict):
    """An environment held at the declared state of one commit (``rollback ENV``): its
    items, overlays and files are read as of ``commit``, under today's settings."""

    commit: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class Environment(Settings):
    """One named store: its backend plus settings overriding ``defaults``."""

    backend: Backend
    pinned: Pin | None = None
    """Hold this environment at an earlier commit's declared state (a rollback of this
    environment alone); remove it to follow the branch again."""
    after: list[str | Prerequisite] | None = None
    """Promotion order: the environments that must have applied a change first (Kargo's
    stages): ``after: [staging]`` or ``after: [{environment: staging, verified: true}]``."""
    verify: Annotated[str, StringConstraints(min_length=1, max_length=4096)] | None = None
    """A command run (by ``sh -c``) after each successful apply, e.g. a storefront smoke
    test; its success marks the deployment verified (``after: ... verified: true``)."""

    secrets: list[EnvVarName] | None = None
    """Variables this environment's declared items may name as ``{env: NAME}``, besides
    the top-level ``secrets``."""

    def prerequisites(self) -> tuple[Prerequisite, ...]:
        """``after`` with every entry in its long form."""
        return tuple(
            Prerequisite(environment=entry) if isinstance(entry, str) else entry
            for entry in self.after or ()
        )


Role = Literal["viewer", "editor", "deployer", "admin"]
GithubLogin = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$", max_length=39)
]


class Team(_Strict):
    """Who may do what: ``role`` on ``kinds`` in ``environments`` (absent: all of them)."""

    members: Annotated[list[GithubLogin], Field(min_length=1)]
    role: Role
    kinds: Annotated[list[str], Field(min_length=1)] | None = None
    environments: Annotated[list[str], Field(min_length=1)] | None = None

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str] | None) -> list[str] | None:
        return None if kinds is None else [_kind_name(k) for k in kinds]


EnvName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]


class ProjectConfig(_Strict):
    """The whole ``stagingpro.yaml``."""

    version: Literal[1]
    defaults: Settings | None = None
    environments: Annotated[dict[EnvName, Environment], Field(min_length=1)]
    teams: dict[Annotated[str, StringConstraints(min_length=1)], Team] | None = None
    secrets: list[EnvVarName] | None = None
    """The allow-list: the only variables declared items may name as ``{env: NAME}`` (in
    every environment; an environment's own ``secrets`` add to it)."""

    @model_validator(mode="after")
    def _promotion_order(self) -> ProjectConfig:
        names = list(self.environments)
        for name, env in self.environments.items():
            for prerequisite in env.prerequisites():
                before = prerequisite.environment
                if before not in self.environments:
                    raise ValueError(f"environment {name!r} comes after {before!r}, which is"
                                     " not defined" + _did_you_mean(before, names))
                if before == name:
                    raise ValueError(f"environment {name!r} cannot come after itself")
                if prerequisite.verified and self.environments[before].verify is None:
                    raise ValueError(f"environment {name!r} needs {before!r} verified, but"
                                     f" {before!r} has no verify command")
        for name in names:
            cycle = _cycle_from(self.environments, name)
            if cycle:
                raise ValueError("the promotion order has a cycle: " + " → ".join(cycle))
        return self

    @model_validator(mode="after")
    def _teams_name_environments(self) -> ProjectConfig:
        for team_name, team in (self.teams or {}).items():
            for env in team.environments or []:
                if env not in self.environments:
                    raise ValueError(
                        f"team {team_name!r} names environment {env!r}, which is not defined"
                        + _did_you_mean(env, list(self.environments))
                    )
        return self


def _cycle_from(environments: Mapping[str, Environment], start: str) -> list[str]:
    """A cycle of ``after:`` edges through ``start`` (``[start, …, start]``), if any."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        for prerequisite in environments[name].prerequisites():
            before = prerequisite.environment
            if before == start:
                return [*path, start]
            if before not in seen and before in environments:
                seen.add(before)
                stack.append((before, [*path, before]))
    return []


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(choices)}"


# --- the secrets allow-list -----------------------------------------------------------

ConfigPath = tuple[str | int, ...]


def credential_variables(config: ProjectConfig) -> dict[str, str]:
    """The variables holding StagingPro's own credentials → what each one holds: every
    backend's ``token_env`` and ``read_token_env`` and every notification's webhook or
    password variable, of every environment. No declared item may send them anywhere."""
    found: dict[str, str] = {}
    for name, env in config.environments.items():
        if env.backend.token_env:
            found[env.backend.token_env] = f"the store token of environment {name}"
        if env.backend.read_token_env:
            found[env.backend.read_token_env] = f"the read-only store token of environment {name}"
    for settings in [config.defaults, *config.environments.values()]:
        for route in (settings.notifications or []) if settings else []:
            channel = route.channel
            variable = getattr(channel, "webhook_env", None) or getattr(
                channel, "password_env", None
            )
            if variable:
                found[variable] = "a notification credential"
    return found


def secret_problems(config: ProjectConfig) -> list[tuple[ConfigPath, str]]:
    """``(path, message)`` for every allow-listed variable that holds a credential of
    StagingPro's own (:func:`credential_variables`): such a variable is never allowed."""
    credentials = credential_variables(config)
    lists: list[tuple[ConfigPath, list[str]]] = [(("secrets",), config.secrets or [])]
    lists += [
        (("environments", name, "secrets"), env.secrets or [])
        for name, env in config.environments.items()
    ]
    return [
        (
            (*where, index),
            f"{variable} holds {credentials[variable]}; a store token or notification"
            " credential may never be sent by a declared item: remove it from secrets",
        )
        for where, names in lists
        for index, variable in enumerate(names)
        if variable in credentials
    ]


# --- effective settings ---------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveEnvironment:
    """One environment's settings after merging ``defaults`` under its own.

    Mappings (``prune``, ``safety``) merge key by key, the environment winning; lists
    (``deploy_windows``, ``notifications``) are the environment's when it gives them,
    else the defaults'. ``prune`` names every kind (``off`` unless set). ``lifecycle``
    names the kinds with rules (built-in defaults, then ``defaults``, then the
    environment, list by list: :func:`~reconciler.lifecycle_settings.merged_lifecycle`).
    """

    name: str
    backend: StoreBackend | SandboxBackend
    protected: bool
    prune: Mapping[str, PruneMode]
    safety: Safety
    deploy_windows: tuple[DeployWindow, ...] = ()
    notifications: tuple[NotificationRoute, ...] = field(default=())
    after: tuple[Prerequisite, ...] = ()
    verify: str | None = None
    comes_before: tuple[str, ...] = ()
    """The environments that come after this one (their ``after:`` names it)."""
    secrets: frozenset[str] = frozenset()
    """The variables this environment's items may name as ``{env: NAME}``: the top-level
    and the environment's own ``secrets``, never a credential of StagingPro's own."""
    lifecycle: Mapping[str, FieldLifecycle] = field(default_factory=dict)
    pinned: str | None = None
    """The commit whose declared state this environment is held at, if any."""

    @property
    def is_sandbox(self) -> bool:
        return isinstance(self.backend, SandboxBackend)


def effective_environment(config: ProjectConfig, name: str) -> EffectiveEnvironment:
    """The merged settings of environment ``name``; :class:`ConfigError` if undefined."""
    env = config.environments.get(name)
    if env is None:
        raise ConfigError(
            f"no environment {name!r} in {CONFIG_FILE}",
            hint=_did_you_mean(name, list(config.environments)).lstrip("; "),
        )
    base = config.defaults or Settings()
    prune: dict[str, PruneMode] = {kind.name: "off" for kind in KINDS}
    prune |= base.prune or {}
    prune |= env.prune or {}
    safety = Safety.model_validate(
        (base.safety.model_dump(exclude_unset=True) if base.safety else {})
        | (env.safety.model_dump(exclude_unset=True) if env.safety else {})
    )
    windows = env.deploy_windows if env.deploy_windows is not None else base.deploy_windows
    routes = env.notifications if env.notifications is not None else base.notifications
    protected = env.protected if env.protected is not None else base.protected
    return EffectiveEnvironment(
        name=name,
        backend=env.backend,
        protected=bool(protected),
        prune=prune,
        safety=safety,
        deploy_windows=tuple(windows or ()),
        notifications=tuple(routes or ()),
        after=env.prerequisites(),
        verify=env.verify,
        comes_before=tuple(
            other for other, settings in config.environments.items()
            if any(p.environment == name for p in settings.prerequisites())
        ),
        secrets=frozenset([*(config.secrets or []), *(env.secrets or [])])
        - frozenset(credential_variables(config)),
        lifecycle=merged_lifecycle(base.lifecycle, env.lifecycle),
        pinned=env.pinned.commit if env.pinned else None,
    )


# --- loading --------------------------------------------------------------------------


def parse_config(data: Any, source: str = CONFIG_FILE, text: str = "") -> ProjectConfig:
    """Validate already-parsed YAML; every problem is reported at once.

    ``text`` (the file's content) lets messages carry ``source:line:column``.
    """
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        described = sorted(_describe(error, source, text) for error in exc.errors())
    else:
        described = [
            _describe({"loc": loc, "msg": message}, source, text)
            for loc, message in secret_problems(config)
        ]
        if not described:
            return config
    lines = [message for _, message in described]
    count = len(lines)
    raise ConfigError(
        f"{count} problem{'s' if count != 1 else ''} in {source}:\n" + "\n".join(lines),
        hint="fix each field at the line named above; unknown fields are errors",
    ) from None


def load_config(path: Path) -> ProjectConfig:
    """Read and validate ``stagingpro.yaml`` at ``path`` (read as the state files are:
    inside its directory, a regular file, aliases and nesting bounded)."""
    # Imported here: the state package imports this module.
    from reconciler.repo_files import read_bytes
    from reconciler.state import yamlio

    try:
        raw = read_bytes(path.parent, path.name)
    except OSError as exc:
        raise ConfigError(
            f"cannot read {path}: {exc.strerror}",
            hint=f"run from the repository root or pass the path to {CONFIG_FILE}",
        ) from None
    text = yamlio.decode(raw)
    data = yamlio.parse(text) if isinstance(text, str) else text
    if isinstance(data, yamlio.YamlFailure):
        raise ConfigError(f"{path}:{data.line}:{data.column}: {data.message}") from None
    return parse_config(data, str(path), text if isinstance(text, str) else "")


def _describe(error: Mapping[str, Any], source: str, text: str) -> tuple[int, str]:
    raw = tuple(error["loc"])
    # Pydantic puts the chosen backend ("store" or "sandbox") after "backend" in the path.
    loc = tuple(
        part
        for i, part in enumerate(raw)
        if not (i > 0 and raw[i - 1] == "backend" and part in ("store", "sandbox"))
    )
    line, column = _position(text, loc) if text else (0, 0)
    dotted = ".".join(str(part) for part in loc) or "(top level)"
    message = str(error["msg"]).removeprefix("Value error, ")
    return line, f"{source}:{line}:{column}: {dotted}: {message}"


def _position(text: str, loc: Sequence[str | int]) -> tuple[int, int]:
    """1-based line and column of ``loc`` in the YAML ``text`` (its nearest known parent)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return (0, 0)
    if node is None:
        return (0, 0)
    mark = node.start_mark
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part) or (part == "on" and key.value in ("on", "On", "ON")):
                    child, mark = value, key.start_mark
                    break
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
            mark = child.start_mark
        if child is None:
            break
        node = child
    return (mark.line + 1, mark.column + 1)
