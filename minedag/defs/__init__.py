"""Dagster objects only: thin wrappers over ``minedag.capture``, ``minedag.profiles`` and ``minedag.bundles``.

Every module here is autoloaded by ``minedag.definitions`` (``dg.load_from_defs_folder``).
"""
