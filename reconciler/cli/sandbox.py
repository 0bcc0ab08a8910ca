"""``stagingpro sandbox``: run and fill the embedded local store.

Thin commands over :mod:`reconciler.sandbox.server`, :mod:`reconciler.sandbox.stores`,
:mod:`reconciler.sandbox.seed` and :class:`~reconciler.sandbox.storage.SandboxDB`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from reconciler.errors import EXIT_OK, ConfigError, NotFoundError
from reconciler.live.connect import DEFAULT_SANDBOX_DB, SANDBOX_DB_ENV
from reconciler.sandbox.guard import ADMIN_TOKEN_ENV
from reconciler.sandbox.settings import STANDARD_QUOTA
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store

# The same file plan/apply use for sandbox environments.
DEFAULT_DB = DEFAULT_SANDBOX_DB
_STORE_HASH = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        help="The SQLite file holding the sandbox's stores (created with its folder when missing).",
        envvar=SANDBOX_DB_ENV,
        dir_okay=False,
    ),
]
StoreArgument = Annotated[
    str, typer.Argument(help="The store hash: lower-case letters, digits and '-'.")
]

sandbox_app = typer.Typer(
    name="sandbox",
    help="The embedded local store: a BigCommerce-compatible API served from a SQLite file.",
    no_args_is_help=True,
)


def _check_hash(store: str) -> str:
    if not _STORE_HASH.match(store):
        raise ConfigError(
            f"invalid store hash {store!r}",
            hint="use lower-case letters, digits and '-' (at most 64 characters)",
        )
    return store


@sandbox_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="The TCP port to listen on; 0 lets the system pick a free one.")
    ] = 8765,
    db: DbOption = DEFAULT_DB,
    certfile: Annotated[
        Path | None,
        typer.Option(help="PEM certificate: serve HTTPS (needs --keyfile too).", dir_okay=False),
    ] = None,
    keyfile: Annotated[
        Path | None,
        typer.Option(help="PEM private key of --certfile.", dir_okay=False),
    ] = None,
    quota: Annotated[
        int,
        typer.Option(
            min=1,
            help="Requests per 30 s per store, for stores whose settings set no quota "
            "(150: BigCommerce's Standard plan).",
        ),
    ] = STANDARD_QUOTA,
    admin_token: Annotated[
        str | None,
        typer.Option(
            envvar=ADMIN_TOKEN_ENV,
            help="The admin API's bearer token (a random one, printed, when not given); "
            "prefer the environment variable, which other users cannot list.",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Serve every store in --db over HTTP (HTTPS with --certfile/--keyfile) until Ctrl-C.

    Prints the base URL first; BigCommerce paths are under /stores/{hash}/v2|v3/ and the
    sandbox's admin API under /_sandbox/ (with "Authorization: Bearer ADMIN_TOKEN"). Only
    requests naming this host or a loopback name in their Host header are answered.
    """
    from reconciler.sandbox.guard import WILDCARD_HOSTS, ServeGuard
    from reconciler.sandbox.server import serve as run_server

    guard = ServeGuard.for_host(host, admin_token)

    def ready(url: str) -> None:
        typer.echo(f"sandbox serving {url} from {db}", nl=True)
        typer.echo(f"  API: {url}/stores/STORE/v3/...  (X-Auth-Token: {DEFAULT_TOKEN})")
        shown = f"<--admin-token or ${ADMIN_TOKEN_ENV}>" if admin_token else guard.admin_token
        typer.echo(f"  admin: {url}/_sandbox/stores  (Authorization: Bearer {shown})")
        typer.echo(f"  quota: {quota} requests per 30 s per store (--quota to change)")
        if host in WILDCARD_HOSTS:
            typer.echo(
                f"WARNING: listening on every interface ({host}): anyone who can reach this "
                f"machine can use the stores with the well-known token {DEFAULT_TOKEN!r}; "
                "Host names are not checked. Use --host 127.0.0.1 unless you need this.",
                err=True,
            )

    run_server(
        db,
        host=host,
        port=port,
        certfile=certfile,
        keyfile=keyfile,
        ready=ready,
        guard=guard,
        quota=quota,
    )
    return EXIT_OK


@sandbox_app.command("create")
def create(store: StoreArgument, db: DbOption = DEFAULT_DB) -> int:
    """Create an empty store in --db with the full-access token 'sandbox-token'.

    Nothing changes when the store exists already.
    """
    _check_hash(store)
    sandbox = SandboxDB(db)
    try:
        existed = sandbox.has_store(store)
        create_store(sandbox, store)
    finally:
        sandbox.close()
    typer.echo(f"store {store} {'already exists' if existed else 'created'} in {db}")
    return EXIT_OK


@sandbox_app.command("seed")
def seed(
    store: StoreArgument,
    products: Annotated[
        int,
        typer.Option(
            "--products",
            help="How many products to add (0 to 100000), numbered after those already there.",
        ),
    ],
    seed_value: Annotated[
        int,
        typer.Option("--seed", help="The generator's seed: the same seed gives the same products."),
    ] = 0,
    db: DbOption = DEFAULT_DB,
) -> int:
    """Add generated products to STORE through its API (the store is created if missing).

    Products come with brands, a category tree, size x colour variants, images by URL,
    custom fields and bulk pricing rules; the same --seed gives the same products.
    """
    from reconciler.sandbox.seed import seed_database

    _check_hash(store)
    report = seed_database(db, store, products, seed=seed_value)
    typer.echo(
        f"seeded {store}: {report.products} products ({report.first_sku}..{report.last_sku}), "
        f"{report.variants} variants, {report.brands} new brands, "
        f"{report.categories} new categories in {report.seconds:.1f}s"
    )
    return EXIT_OK


@sandbox_app.command("reset")
def reset(
    store: Annotated[
        str | None, typer.Argument(help="The store to empty; every store when left out.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> int:
    """Delete the data (products, pages, ...) of STORE, or of every store in --db.

    Ids restart at 1. The stores, their tokens and their sandbox settings are kept.
    """
    sandbox = SandboxDB(db)
    try:
        if store is not None and not sandbox.has_store(_check_hash(store)):
            raise NotFoundError(
                f"no store {store!r} in {db}",
                hint=f"stores there: {', '.join(sandbox.store_hashes()) or 'none'}",
            )
        targets = [store] if store is not None else sandbox.store_hashes()
        for target in targets:
            sandbox.clear_store(target)
    finally:
        sandbox.close()
    typer.echo(f"reset {len(targets)} store(s) in {db}: {', '.join(targets) or 'none'}")
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
