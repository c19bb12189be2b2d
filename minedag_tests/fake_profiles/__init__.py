"""A package with a module that forgot ``PROFILE``: the registry must refuse it."""
