"""Dagster objects only: thin wrappers over ``minedag.capture``, ``minedag.profiles`` and ``minedag.bundles``.

Every module here is autoloaded by ``minedag.definitions`` (``dg.load_from_defs_folder``).
"""

from minedag.settings import use_dagster_env

use_dagster_env()  # runs launched in this process (tests, `minedag` commands) write the planned events minedag ships
