"""Who is looking: sign-in through the deployment's OpenID Connect provider, and the clearance it grants.

- Sign-in is on when Streamlit's ``[auth]`` secrets are set (``.streamlit/secrets.toml``: ``redirect_uri``,
  ``cookie_secret``, ``client_id``, ``client_secret``, ``server_metadata_url``; see README "Sign-in and
  clearances"). Then every page asks for a signed-in user (``st.login``), and the user's clearance and roles come
  from the identity token's claims, mapped by the access file (``config/access.toml``, or ``BB_ACCESS_FILE``).
- Without it, everyone is an anonymous viewer with the lowest clearance: only public records are served, and
  the page says so.
- The clearance is enforced on the server: pages, exports and the map's files are built from the catalog cut
  to it (``geo.visible``); the map's data route checks the same clearance from the sign-in cookie.

Pure functions first (tested without Streamlit); the two that read Streamlit's state are at the bottom.
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dashboard import settings
from geo import SENSITIVITIES

log = logging.getLogger(__name__)
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "config" / "access.toml"
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")


@dataclass(frozen=True)
class AccessConfig:
    """The access file: marking names, the claims to read, and which groups grant which clearance and role."""

    markings: Mapping[str, str] = field(default_factory=lambda: {s: s.upper() for s in SENSITIVITIES})
    claims: tuple[str, ...] = ("groups", "roles", "clearance")
    clearance: Mapping[str, str] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)

    def label(self, code: str) -> str:
        """How the deployment names a marking (export banners, notices)."""
        return self.markings.get(code, code.upper())


@dataclass(frozen=True)
class Viewer:
    """The person looking: a name for the audit log, a clearance (a sensitivity code) and roles."""

    name: str = "anonymous"
    clearance: str = SENSITIVITIES[0]
    roles: tuple[str, ...] = ()
    signed_in: bool = False

    @property
    def sees_details(self) -> bool:
        """Validation messages quote the data: they are shown to administrators and to the top clearance."""
        return "admin" in self.roles or self.clearance == SENSITIVITIES[-1]


ANONYMOUS = Viewer()


def parse_config(text: str) -> AccessConfig:
    """The access file's TOML (raises ``ValueError`` naming what is wrong)."""
    raw = tomllib.loads(text)
    markings = {str(k): str(v) for k, v in (raw.get("markings") or {}).items()}
    unknown = [k for k in markings if k not in SENSITIVITIES]
    if unknown:
        raise ValueError(f"[markings]: expected the codes {', '.join(SENSITIVITIES)}; found {', '.join(unknown)}")
    clearance = {str(k): str(v) for k, v in (raw.get("clearance") or {}).items()}
    bad = [f"{k} = {v}" for k, v in clearance.items() if v not in SENSITIVITIES]
    if bad:
        raise ValueError(f"[clearance]: expected one of {', '.join(SENSITIVITIES)} per group; found {'; '.join(bad)}")
    names = (raw.get("claims") or {}).get("names") or AccessConfig.claims
    return AccessConfig({s: markings.get(s, s.upper()) for s in SENSITIVITIES}, tuple(str(n) for n in names), clearance,
                        {str(k): str(v) for k, v in (raw.get("roles") or {}).items()})


@lru_cache(maxsize=4)
def _config_at(path: str, mtime: float) -> AccessConfig:
    return parse_config(Path(path).read_text(encoding="utf-8"))


def config() -> AccessConfig:
    """The deployment's access file (``BB_ACCESS_FILE``, default ``config/access.toml``). A missing or broken file is
    logged and grants no clearance above the lowest to anyone: the safe reading."""
    path = Path(settings.access_file() or DEFAULT_FILE)
    try:
        return _config_at(str(path), path.stat().st_mtime)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        log.error("access file %s unusable (%s): every viewer gets the lowest clearance", path, exc)
        return AccessConfig()


def _values(claim: object) -> list[str]:
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list | tuple):
        return [str(v) for v in claim]
    return []


def viewer_from_claims(claims: Mapping[str, object], cfg: AccessConfig) -> Viewer:
    """The viewer an identity token describes: the highest clearance any of its groups grants (or a marking
    code given directly), the roles its groups map to, and a name for the audit log."""
    values = [v for name in cfg.claims for v in _values(claims.get(name))]
    granted = [cfg.clearance[v] for v in values if v in cfg.clearance] + [v for v in values if v in SENSITIVITIES]
    clearance = max(granted, key=SENSITIVITIES.index) if granted else SENSITIVITIES[0]
    roles = tuple(sorted({cfg.roles[v] for v in values if v in cfg.roles}))
    name = str(claims.get("email") or claims.get("preferred_username") or claims.get("sub") or "unknown")[:200]
    return Viewer(name, clearance, roles, True)


def export_marking(sensitivities, floor: str, cfg: AccessConfig) -> str:
    """The banner of an export: the highest marking among the records in it, named as the deployment names it,
    never lower than the deployment's own marking ``floor`` (``BB_MARKING``; a marking name, a code, or free text,
    which counts as the lowest and is kept as written)."""
    codes = [c for c in sensitivities if c in SENSITIVITIES]
    top = max(codes, key=SENSITIVITIES.index) if codes else SENSITIVITIES[0]
    floor_code = next((c for c in SENSITIVITIES if floor.strip().lower() in (c, cfg.label(c).lower())), SENSITIVITIES[0])
    if SENSITIVITIES.index(top) > SENSITIVITIES.index(floor_code):
        return cfg.label(top)
    return floor.strip() or cfg.label(floor_code)


def auth_configured(secrets: Mapping | None) -> bool:
    """Sign-in is on when the ``[auth]`` secrets carry every setting Streamlit needs."""
    auth = (secrets or {}).get("auth") if secrets is not None else None
    return isinstance(auth, Mapping) and all(auth.get(k) for k in AUTH_KEYS)


# --- reading Streamlit's state ----------------------------------------------------------------------------

def sign_in_configured() -> bool:
    import streamlit as st

    try:
        return auth_configured(st.secrets.to_dict())
    except Exception:  # noqa: BLE001 - no secrets file, or an unreadable one: sign-in is off
        return False


def current_viewer() -> Viewer:
    """The viewer of this session: from the identity token when signed in, else anonymous (lowest clearance)."""
    import streamlit as st

    if not sign_in_configured() or not st.user.is_logged_in:
        return ANONYMOUS
    return viewer_from_claims(st.user.to_dict(), config())


def viewer_from_request(cookies: Mapping[str, str]) -> Viewer:
    """The viewer a browser request comes from (the map's file route): Streamlit's signed sign-in cookie, read
    with Streamlit's own code. Anything unreadable is the anonymous viewer."""
    if not sign_in_configured_outside_runs():
        return ANONYMOUS
    try:
        from streamlit.auth_util import get_cookie_with_chunks
        from streamlit.web.server.server_util import get_cookie_secret
        from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

        secret = get_cookie_secret()

        def one(name: str) -> bytes | None:
            value = cookies.get(name)
            return None if value is None else decode_signed_value(secret, name, value.encode("latin-1"))

        raw = get_cookie_with_chunks(one, "_streamlit_user")
        claims = json.loads(raw) if raw else None
    except Exception:  # noqa: BLE001 - a forged, old or foreign cookie grants nothing
        return ANONYMOUS
    if not isinstance(claims, dict) or not claims.get("is_logged_in"):
        return ANONYMOUS
    return viewer_from_claims(claims, config())


def sign_in_configured_outside_runs() -> bool:
    """``sign_in_configured`` for code that runs outside a page run (the ASGI route)."""
    try:
        from streamlit.runtime.secrets import secrets_singleton

        return auth_configured(secrets_singleton.to_dict())
    except Exception:  # noqa: BLE001
        return False
