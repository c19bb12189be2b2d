"""Campaigns: attributes users declare in YAML (selectors, schema.org sources, types, validation), mined from the
stored captures, with per-site selector learning. No Dagster here; ``minedag.defs.campaigns`` makes the assets."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from minedag.campaigns.extract import record_schema
from minedag.campaigns.learning import SelectorStats
from minedag.campaigns.model import Campaign, CampaignError, json_schema, load_campaign
from minedag.campaigns.run import campaign_rows

__all__ = ["Campaign", "CampaignError", "CampaignFolder", "SelectorStats", "campaign_files", "campaign_rows", "json_schema",
           "load_all", "load_campaign", "record_schema", "scan"]


@dataclass
class CampaignFolder:
    """The campaign files of a folder: those that load (``campaigns``) and why each other one is disabled."""

    campaigns: list[Campaign] = field(default_factory=list)
    problems: dict[Path, str] = field(default_factory=dict)  # file -> the error, naming the fix


def scan(paths: Iterable[Path]) -> CampaignFolder:
    """Load each campaign file and run every check loading the definitions runs (``problem``); a file that fails
    is disabled alone, with its reason, and never stops the others (or the Dagster code location)."""
    out = CampaignFolder()
    for path in paths:
        try:
            campaign = load_campaign(path)
            if (why := problem(campaign, out.campaigns)) is not None:
                raise CampaignError(f"{path}: {why}")
        except CampaignError as exc:
            out.problems[Path(path)] = str(exc)
            continue
        out.campaigns.append(campaign)
    return out


def problem(campaign: Campaign, others: Iterable[Campaign]) -> str | None:
    """Why ``campaign`` cannot be loaded beside ``others`` although its file is valid, or ``None``."""
    if campaign.name in {c.name for c in others}:
        return f"campaign name {campaign.name!r} is used by another file; rename one"
    if campaign.bundle is not None:
        from minedag.functionalities import builtin_functionalities, campaign_functionality

        if campaign.name in {f.name for f in builtin_functionalities()}:
            return f"its bundle would be named {campaign.name!r}, a built-in functionality; rename the campaign"
        try:
            campaign_functionality(campaign)
        except CampaignError as exc:
            return str(exc)
    return None


def campaign_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def load_all(folder: Path) -> list[Campaign]:
    """The campaigns of ``folder`` that load (sorted by file name); see ``scan`` for the disabled ones."""
    return scan(campaign_files(folder)).campaigns
