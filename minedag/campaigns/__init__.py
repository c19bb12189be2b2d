"""Campaigns: attributes users declare in YAML (selectors, schema.org sources, types, validation), mined from the
stored captures, with per-site selector learning. No Dagster here; ``minedag.defs.campaigns`` makes the assets."""

from pathlib import Path

from minedag.campaigns.extract import record_schema
from minedag.campaigns.learning import SelectorStats
from minedag.campaigns.model import Campaign, CampaignError, json_schema, load_campaign
from minedag.campaigns.run import campaign_rows

__all__ = ["Campaign", "CampaignError", "SelectorStats", "campaign_rows", "json_schema", "load_campaign", "record_schema"]


def load_all(folder: Path) -> list[Campaign]:
    """Every ``*.yaml`` campaign in ``folder`` (sorted by file name).

    Raises:
        CampaignError: a file is invalid, or two files declare the same campaign name.
    """
    campaigns: dict[str, Campaign] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        campaign = load_campaign(path)
        if campaign.name in campaigns:
            raise CampaignError(f"{path}: campaign name {campaign.name!r} is used by another file; rename one")
        campaigns[campaign.name] = campaign
    return list(campaigns.values())
