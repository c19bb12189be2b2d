"""The one root of the errors minedag raises on purpose."""


class MinedagError(Exception):
    """Base of every error minedag raises on purpose; catch it to catch all of them. Each also keeps the standard
    base that says what kind of problem it is, so ``except ValueError`` still works where it did.

    - bad input a user can fix (``ValueError``): ``InvalidURL`` (a URL), ``ConfigFileError`` with ``CampaignError``
      and ``CrawlError`` (a YAML file: file, line and fix), ``ProfileSpecError`` (a profile's spec), ``QueryError``
      (SQL), ``DiscoveryError`` (a prompt), ``LeakingConfiguration`` (a functionality whose inputs leak a target),
      ``Mismatch`` (a value that does not fit its bundle column), ``UsageError`` (the command line), ``SettingError``
      (an environment variable minedag reads), ``BudgetExceeded`` (a user regex or selector over its budget),
      ``ToolFailure`` (an agent's tool call: reason and fix);
    - the environment: ``ChromiumNotFound``, ``PostgresUnreachable`` (``RuntimeError``), ``Refusal`` (the network
      guard will not open a connection), ``CorruptFile`` (a store file was quarantined);
    - quality: ``BelowFloor`` (``AssertionError``: an accuracy score under its pinned floor).
    """


class SettingError(MinedagError, ValueError):
    """An environment variable minedag reads holds a value it does not accept (the message names the choices)."""
