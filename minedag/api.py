"""``minedag serve``: an HTTP API over the same functions as the CLI (FastAPI; OpenAPI at ``/openapi.json``).

Bound to 127.0.0.1 unless asked otherwise (a remote API needs a token). Before the app reads a byte of a body, the
gate checks the ``Host`` header against the names the server answers to (no DNS rebinding), the bearer token when
one is set, the body's size, and that a request changing state is not one a foreign web page can send (without a
token a POST must carry ``Content-Type: application/json``, which a cross-origin page cannot send without a preflight
this API never grants). SQL runs on the warehouse file (``warehouse.duckdb``) read-only, a connection per request,
without file or network access, within a memory limit, a row limit and a timeout.
"""

import json
import secrets
import threading
import time
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, status
from fastapi import Path as UrlPath
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from minedag.functionalities import builtin_functionalities

Functionality = Literal[tuple(f.name for f in builtin_functionalities())]  # type: ignore[valid-type]
MAX_ROWS, SQL_TIMEOUT_S = 1000, 10.0
MAX_BODY_BYTES = 1 << 20
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
PUBLIC_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})  # readable without the token


class Problem(BaseModel):
    detail: str = Field(description="what is wrong, naming the field or value, and the fix")


# Every error minedag itself answers (request validation errors stay FastAPI's 422 with their field list).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "the request cannot be answered as asked (a query that failed, a prompt "
                                           "nothing fits, an unusable sample URL)"},
    401: {"model": Problem, "description": "a bearer token is required"},
    404: {"model": Problem, "description": "no such bundle, version or build"},
    409: {"model": Problem, "description": "a build is already running"},
}


SampleUrls = Annotated[list[Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2000)]], Field(
    max_length=5, description="mined through Dagster before answering, so the coverage includes them")]


class DiscoverByPrompt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=3, max_length=2000, description="the goal in plain words")
    top: int = Field(default=3, ge=1, le=8)
    sample_urls: SampleUrls = []


class DiscoverByFunctionality(BaseModel):
    model_config = ConfigDict(extra="forbid")

    functionality: Functionality = Field(description="a functionality by name")
    sample_urls: SampleUrls = []


class SqlRequest(BaseModel):
    query: str = Field(min_length=1, max_length=20_000, description="one read-only SQL statement over the views")
    limit: int = Field(default=100, ge=1, le=MAX_ROWS)


class SqlAnswer(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


class BuildStarted(BaseModel):
    build_id: str
    status_url: str


class BuildStatus(BaseModel):
    build_id: str
    functionality: str
    state: Literal["running", "succeeded", "failed"]
    run_ids: list[str]
    error: str | None = None


def create_app(token: str | None = None, warehouse: Path | None = None, hosts: tuple[str, ...] = LOOPBACK_NAMES) -> FastAPI:
    """The API app behind its gate (see the module's docstring); ``hosts`` are the names the server answers to
    (``Host`` header, any port); ``warehouse`` defaults to ``$MINEDAG_DATA/warehouse.duckdb`` (rebuilt when older
    than a minute)."""
    from minedag.settings import data_dir

    app = FastAPI(title="minedag", version="1", description=__doc__, responses=ERRORS)
    app.add_middleware(Gate, token=token, hosts=hosts)
    bearer = HTTPBearer(auto_error=False)
    builds: dict[str, BuildStatus] = {}
    lock = threading.Lock()
    catalogs: list[Any] = []  # what the last warehouse build left out, and why
    target = warehouse or data_dir() / "warehouse.duckdb"

    def authorised(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        if token and (credentials is None or not secrets.compare_digest(credentials.credentials.encode(), token.encode())):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required: Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})

    guarded = [Depends(authorised)] if token else []  # no token: no security scheme in the OpenAPI either

    @app.post("/discover", dependencies=guarded, summary="Which functionality and attributes to collect for a goal")
    def discover_attributes(request: DiscoverByPrompt | DiscoverByFunctionality) -> dict[str, Any]:
        from minedag.discover import DiscoveryError, describe, discover

        if request.sample_urls:
            _mine_samples(request.sample_urls)
        if isinstance(request, DiscoverByFunctionality):
            return {"prompt": None, "custom": False, "functionalities": [describe(request.functionality)]}
        try:
            return discover(request.prompt, top=request.top)
        except DiscoveryError as exc:
            raise HTTPException(400, f"prompt: {exc}") from None

    @app.get("/bundles", dependencies=guarded, summary="Every functionality's bundles: latest version, versions, members")
    def list_bundles() -> list[dict[str, Any]]:
        from minedag.bundles.overview import bundles_overview
        from minedag.settings import bundles_dir

        return bundles_overview(bundles_dir())

    @app.get("/bundles/{functionality}", dependencies=guarded, summary="A bundle version's summary and manifest")
    def get_bundle(functionality: Functionality, version: Annotated[str | None, Query(pattern=r"^[0-9a-f]{6,64}$")] = None
                   ) -> dict[str, Any]:
        from minedag.bundles.overview import bundle_summary
        from minedag.settings import bundles_dir

        try:
            return bundle_summary(bundles_dir(), functionality, version)
        except (FileNotFoundError, KeyError, ValueError) as exc:
            raise HTTPException(404, f"no bundle {functionality}{'/' + version if version else ''}: {exc}") from None

    @app.post("/bundles/{functionality}/build", dependencies=guarded, status_code=202,
              summary="Build (aggregate, bundle, check, publish) through Dagster; follow it at status_url")
    def build_bundle(functionality: Functionality) -> BuildStarted:
        with lock:
            if any(b.state == "running" for b in builds.values()):
                raise HTTPException(409, "a build is running; wait for it (GET its status_url)")
            build = BuildStatus(build_id=uuid.uuid4().hex, functionality=functionality, state="running", run_ids=[])
            builds[build.build_id] = build
        threading.Thread(target=_build, args=(build,), daemon=True, name=f"minedag-build-{build.build_id}").start()
        return BuildStarted(build_id=build.build_id, status_url=f"/builds/{build.build_id}")

    @app.get("/builds/{build_id}", dependencies=guarded, summary="A requested build's state and its Dagster run ids")
    def get_build(build_id: Annotated[str, UrlPath(pattern=r"^[0-9a-f]{32}$")]) -> BuildStatus:
        if build_id not in builds:
            raise HTTPException(404, f"no build {build_id}")
        return builds[build_id]

    @app.get("/schema-links", dependencies=guarded, summary="Schema link patterns (data attribute -> table)")
    def schema_links(min_confidence: Annotated[float, Query(ge=0, le=1)] = 0.0,
                     min_sites: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> SqlAnswer:
        return _sql(f"SELECT * FROM schema_link_patterns WHERE confidence >= {min_confidence} AND sites >= {min_sites} "
                    "ORDER BY confidence DESC, sites DESC, data_attribute", MAX_ROWS)

    @app.get("/attributes", dependencies=guarded, summary="The attribute catalog with how many bundle versions use each")
    def attributes() -> SqlAnswer:
        return _sql("SELECT * FROM training_attribute_catalog ORDER BY attribute", MAX_ROWS)

    @app.post("/sql", dependencies=guarded, summary="One read-only SQL statement over the warehouse's tables")
    def sql(request: SqlRequest) -> SqlAnswer:
        return _sql(request.query, request.limit)

    def _sql(query: str, limit: int) -> SqlAnswer:
        from minedag.sql import QueryError, build_warehouse, read_only, run_query

        with lock:
            if not target.exists() or time.time() - target.stat().st_mtime > 60:
                catalogs[:] = [build_warehouse(target)]
        con = read_only(target)
        try:
            columns, rows, truncated = run_query(con, query, limit=limit, timeout_s=SQL_TIMEOUT_S,
                                                 catalog=catalogs[0] if catalogs else None)
        except QueryError as exc:
            raise HTTPException(400, f"query: {exc}") from None
        finally:
            con.close()
        return SqlAnswer(columns=columns, rows=[[_plain(v) for v in row] for row in rows], truncated=truncated)

    return app


class Gate:
    """ASGI middleware that answers 400/401/411/413/415 from the request's headers alone, before the app runs."""

    def __init__(self, app: Any, token: str | None, hosts: tuple[str, ...]):
        self.app, self.token, self.hosts = app, token, {h.lower() for h in hosts}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope["method"], scope["path"], headers)
        if refusal is not None:
            await _answer(send, *refusal)
            return
        await self.app(scope, _capped(receive), send)

    def _refusal(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, str, dict[str, str]] | None:
        host = headers.get("host", "").lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name not in self.hosts:
            return 400, f"Host {host!r} is not a name this API answers to ({', '.join(sorted(self.hosts))})", {}
        if self.token and path not in PUBLIC_PATHS:
            scheme, _, given = headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secrets.compare_digest(given.encode(), self.token.encode()):
                return 401, "a bearer token is required: Authorization: Bearer <token>", {"www-authenticate": "Bearer"}
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return 413, f"the body is over {MAX_BODY_BYTES:,} bytes", {}
        if method not in ("GET", "HEAD", "OPTIONS") and not self.token and \
                headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return 415, "a request that changes state needs Content-Type: application/json (or run the API with a token)", {}
        return None


def _capped(receive: Any) -> Any:
    """``receive`` that stops a body sent without a length (chunked) once it passes ``MAX_BODY_BYTES``."""
    seen = 0

    async def capped() -> dict[str, Any]:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY_BYTES:
            raise HTTPException(413, f"the body is over {MAX_BODY_BYTES:,} bytes")
        return message

    return capped


async def _answer(send: Any, code: int, detail: str, headers: dict[str, str]) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": code, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *((k.encode(), v.encode()) for k, v in headers.items())]})
    await send({"type": "http.response.body", "body": body})


def _plain(value: Any) -> Any:
    """A JSON-safe cell (dates, decimals and blobs as text)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value if not (isinstance(value, float) and value != value) else None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _mine_samples(urls: list[str]) -> None:
    from minedag.mining import instance_from_env, mine
    from minedag.urls import InvalidURL, canonical_url

    try:
        canonical = [canonical_url(u) for u in urls]
    except InvalidURL as exc:
        raise HTTPException(400, f"sample_urls: {exc}") from None
    mine(instance_from_env(), canonical)


def _build(build: BuildStatus) -> None:
    from minedag.mining import build_bundles, instance_from_env

    try:
        runs = build_bundles(instance_from_env(), functionalities=[build.functionality])
        build.run_ids = [r.run_id for r in runs.values()]
        build.state = "succeeded" if all(r.success for r in runs.values()) else "failed"
    except Exception as exc:  # noqa: BLE001 - the status says what went wrong
        build.state, build.error = "failed", f"{type(exc).__name__}: {exc}"
