"""The mining profiles: one module per profile, each exporting ``PROFILE``; discovered, validated, registered.

Adding a profile = adding one module here whose ``PROFILE`` is a ``MiningProfile`` (``serves`` takes it to bundles
and discovery), or to a package of your own named in ``MINEDAG_PROFILE_PACKAGES`` (comma-separated module names).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from functools import cache

from minedag.profiles.record import extract_record
from minedag.profiles.spec import Attribute, MiningProfile, ProfileSpecError, Serves, entries, record

__all__ = ["Attribute", "MiningProfile", "ProfileSpecError", "Serves", "all_profiles", "entries", "extract_record",
           "get_profile", "record"]

_INFRASTRUCTURE = {"spec", "record", "page", "page_type"}


def discover(package: str = __name__) -> dict[str, MiningProfile]:
    """Import every profile module of ``package`` and return its profiles by name.

    Raises:
        ProfileSpecError: a module lacks ``PROFILE``, a spec is invalid, or two profiles share a name.
    """
    found: dict[str, MiningProfile] = {}
    module = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
        if info.name in _INFRASTRUCTURE or info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{package}.{info.name}")
        profile = getattr(mod, "PROFILE", None)
        if not isinstance(profile, MiningProfile):
            raise ProfileSpecError(f"module {mod.__name__} must define PROFILE = MiningProfile(...)")
        profile.validate()
        if profile.name in found:
            raise ProfileSpecError(f"two profiles are named {profile.name!r} ({mod.__name__} and another module)")
        found[profile.name] = profile
    return found


@cache
def all_profiles() -> dict[str, MiningProfile]:
    """Every registered profile, by name: minedag's, then those of ``MINEDAG_PROFILE_PACKAGES``.

    Raises:
        ProfileSpecError: as ``discover``, or a package's profile takes the name of another package's.
    """
    found = discover()
    for package in filter(None, (p.strip() for p in os.environ.get("MINEDAG_PROFILE_PACKAGES", "").split(","))):
        for name, profile in discover(package).items():
            if name in found:
                raise ProfileSpecError(f"profile {name!r} of {package} has the name of a profile already registered")
            found[name] = profile
    return found


def get_profile(name: str) -> MiningProfile:
    profiles = all_profiles()
    if name not in profiles:
        raise KeyError(f"unknown profile {name!r}; choose one of {sorted(profiles)}")
    return profiles[name]
