from pathlib import Path

import dagster as dg

from minedag.campaigns import Campaign, SelectorStats, campaign_files, campaign_rows, record_schema, scan
from minedag.defs.capture import page_capture
from minedag.defs.metadata import md_table
from minedag.defs.partitions import mining_backfill_policy, url_partitions
from minedag.defs.profiles import profile_automation
from minedag.defs.resources import StoreResource
from minedag.settings import campaigns_dir, crawls_dir

CRONS = {"hourly": "0 * * * *", "daily": "0 4 * * *", "weekly": "0 4 * * 1"}


def campaign_records(name: str) -> str:
    """The store's record folder of a campaign (next to the profiles')."""
    return f"campaign_{name}"


def campaign_asset(campaign: Campaign) -> dg.AssetsDefinition:
    """``campaigns/<name>``: the campaign's attributes from the stored captures of each URL partition. Its code
    version is the campaign's hash, so editing the file re-extracts from stored captures (no page is loaded)."""
    schema = record_schema(campaign)
    columns = dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in schema])

    @dg.asset(
        key=["campaigns", campaign.name],
        deps=[page_capture],
        partitions_def=url_partitions,
        backfill_policy=mining_backfill_policy,
        group_name="campaigns",
        kinds={"python", "parquet"},
        code_version=campaign.version,
        description=campaign.description,
        metadata={"dagster/column_schema": columns, "attributes": ", ".join(a.name for a in campaign.attributes)},
        automation_condition=profile_automation if campaign.schedule == "realtime"
        else dg.AutomationCondition.on_cron(CRONS[campaign.schedule]),
    )
    def _campaign(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
        target = store.get()
        urls = campaign.pages(context.partition_keys, crawls_dir())
        where = target.root / "campaigns" / campaign.name / "selectors.json"
        stats = SelectorStats.load(where)
        rows = campaign_rows(campaign, target, urls, stats)
        target.write_records(campaign_records(campaign.name), rows, schema)
        stats.save(where)
        ok = [r for r in rows if r["ok"]]
        found = {a.name: sum(1 for r in ok if r[a.name] is not None) for a in campaign.attributes}
        return dg.MaterializeResult(metadata={
            "pages": len(rows), "captured": len(ok), "disagreements": sum(r["disagreements"] for r in ok),
            "values": md_table(["attribute", "found", "share"],
                               [[f"`{n}`", f"{c}/{len(ok)}", f"{c / len(ok):.0%}" if ok else "-"] for n, c in found.items()]),
            "selectors": md_table(["site", "attribute", "selector", "pages", "success", "fast-track"], stats.rows(campaign)),
            "campaign_version": campaign.version,
        })

    return _campaign


def disabled_campaign(path: Path, reason: str) -> dg.AssetsDefinition:
    """A campaign file that does not load, shown in the UI as the asset ``campaigns/<file stem>`` of the group
    ``disabled_campaigns`` with the reason; materializing it fails with that reason. Nothing selects it."""

    @dg.asset(key=["campaigns", path.stem], group_name="disabled_campaigns", kinds={"yaml"},
              description=f"DISABLED: {reason}", metadata={"file": str(path), "error": reason})
    def _disabled() -> None:
        raise dg.Failure(description=f"campaign file disabled: {reason}")

    return _disabled


@dg.definitions
def campaigns() -> dg.Definitions:
    """One asset per campaign file in ``campaigns/`` (``$MINEDAG_CAMPAIGNS``); a file that does not load disables only
    itself, visible as a ``disabled_campaigns`` asset with the reason."""
    found = scan(campaign_files(campaigns_dir()))
    assets = [campaign_asset(c) for c in found.campaigns]
    taken = {c.name for c in found.campaigns}
    assets += [disabled_campaign(path, reason) for path, reason in found.problems.items() if path.stem not in taken]
    return dg.Definitions(assets=assets)
