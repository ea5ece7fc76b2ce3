"""A QuoteResult as JSON data, CSV and rich tables (the CLI prints them)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from mlx_deploy.orchestrator.candidates import Candidate
from mlx_deploy.orchestrator.quote import QuoteResult
from mlx_deploy.orchestrator.render import age, as_utc

CSV_COLUMNS = (
    "profile", "rank", "provider", "region", "zone", "instance_type", "purchase_option", "vcpus", "memory_gib",
    "gpu_model", "gpu_count", "gpu_memory_gib", "nodes", "replicas_per_node", "instance_usd_per_hour",
    "instances_usd_per_hour", "allin_usd_per_hour", "allin_usd_per_month", "price_observed_at",
)  # fmt: skip


def candidate_dict(cand: Candidate, rank: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {} if rank is None else {"rank": rank}
    data.update(
        provider=cand.provider,
        region=cand.region,
        zone=cand.zone,
        instance_type=cand.instance_type,
        purchase_option=cand.purchase_option,
        vcpus=cand.vcpus,
        memory_gib=cand.memory_gib,
        gpu=None
        if cand.gpu is None
        else {"model": cand.gpu.model, "count": cand.gpu.count, "memory_gib": cand.gpu.memory_gib},
        arch=cand.arch or "x86_64",
        nodes=cand.nodes,
        replicas_per_node=cand.replicas_per_node,
        node_disk_gib=cand.node_disk_gib,
        instance_usd_per_hour=cand.instance_usd_per_hour,
        instances_usd_per_hour=_money(cand.instances_usd_per_hour),
        allin_usd_per_hour=_money(cand.allin_usd_per_hour),
        allin_usd_per_month=_money(cand.allin_usd_per_month),
        price_observed_at=_iso(cand.price_observed_at),
        cost_lines=[
            {
                "item": line.item,
                "description": line.description,
                "usd_per_hour": _money(line.usd_per_hour),
                "usd_per_month": _money(line.usd_per_month),
                "source": line.source,
            }
            for line in cand.cost_lines
        ],
    )
    return data


def quote_data(result: QuoteResult) -> dict[str, Any]:
    """The `data` of the `--json` envelope (docs/quote-json.md)."""
    no_match = result.no_match
    return {
        "candidates": [candidate_dict(c, rank) for rank, c in enumerate(result.candidates, 1)],
        "no_match": None
        if no_match is None
        else {
            "considered": no_match.considered,
            "excluded_by": [{"constraint": name, "offers": count} for name, count in no_match.excluded_by],
            "nearest": [{**candidate_dict(n.candidate), "lacks": list(n.lacks)} for n in no_match.nearest],
        },
        "warnings": list(result.warnings),
    }


def catalogue_meta(result: QuoteResult) -> dict[str, Any]:
    info = result.catalogue
    return {
        "url": info.url,
        "providers": [
            {"provider": p.provider, "refreshed_at": _iso(p.refreshed_at), "source": p.source, "stale": p.stale}
            for p in info.providers
        ],
        "stale": list(info.stale),
        "missing": list(info.missing),
    }


def quote_csv(results: list[QuoteResult]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in results:
        name = getattr(result.profile, "name", "")
        for rank, c in enumerate(result.candidates, 1):
            gpu = c.gpu
            writer.writerow(
                [
                    name, rank, c.provider, c.region, c.zone or "", c.instance_type, c.purchase_option, c.vcpus,
                    c.memory_gib, gpu.model if gpu else "", gpu.count if gpu else 0,
                    gpu.memory_gib if gpu and gpu.memory_gib else "", c.nodes, c.replicas_per_node,
                    c.instance_usd_per_hour, _money(c.instances_usd_per_hour), _money(c.allin_usd_per_hour),
                    _money(c.allin_usd_per_month), _iso(c.price_observed_at) or "",
                ]
            )  # fmt: skip
    return out.getvalue()


def candidates_table(result: QuoteResult, now: datetime | None = None):
    from mlx_deploy.orchestrator.render import table

    columns = ("#", "cloud", "region", "instance type", "vCPU", "GiB", "GPUs", "nodes", "$/h each", "$/h all-in", "$/month", "age")
    rows = [
        (
            rank, c.provider, c.region, c.instance_type + (" (spot)" if c.purchase_option == "spot" else ""),
            c.vcpus, c.memory_gib, gpu_text(c), c.nodes, c.instance_usd_per_hour, round(c.allin_usd_per_hour, 4),
            round(c.allin_usd_per_month, 2), age(c.price_observed_at, now),
        )
        for rank, c in enumerate(result.candidates, 1)
    ]  # fmt: skip
    return table(f"Quote for {getattr(result.profile, 'name', 'model')}", columns, rows)


def cost_lines_table(cand: Candidate):
    from mlx_deploy.orchestrator.render import table

    rows = [(line.item, line.description, line.usd_per_hour, line.usd_per_month, line.source) for line in cand.cost_lines]
    rows.append(("all-in", "", cand.allin_usd_per_hour, cand.allin_usd_per_month, ""))
    title = f"Cost lines: {cand.provider} {cand.region} {cand.nodes} x {cand.instance_type} ({cand.purchase_option})"
    return table(title, ("item", "what", "$/h", "$/month", "source"), rows)


def gpu_text(cand: Candidate) -> str:
    gpu = cand.gpu
    if gpu is None:
        return "-"
    memory = f" {gpu.memory_gib:g}GiB" if gpu.memory_gib else ""
    return f"{gpu.count:g}x {gpu.model or '?'}{memory}"


def footer(result: QuoteResult) -> list[str]:
    info = result.catalogue
    lines = [f"Catalogue: {info.url}"]
    for p in info.providers:
        if p.refreshed_at is not None:
            when = as_utc(p.refreshed_at).strftime("%Y-%m-%d %H:%M UTC")
            observed = p.prices_observed_at and as_utc(p.prices_observed_at).strftime("%Y-%m-%d")
            as_of = f"prices as of {observed}, " if observed else ""
            lines.append(f"  {p.provider}: {as_of}refreshed {when} from {p.source}{' (STALE)' if p.stale else ''}")
    if info.stale:
        lines.append(f"Stale prices: {', '.join(info.stale)}; run `mlx catalogue refresh` for current prices.")
    if info.missing:
        lines.append(f"No prices for: {', '.join(info.missing)}.")
    lines.append("All-in = nodes x instance price + control plane + load balancer + system nodes (where the cluster has them) + node disks; month = 730 h.")
    return lines + [f"Warning: {w}" for w in result.warnings]


def no_match_lines(result: QuoteResult) -> list[str]:
    nm = result.no_match
    if nm is None:
        return []
    if nm.considered == 0:
        return ["No candidates: the catalogue has no prices. Load some with `mlx catalogue refresh` or `import`."]
    lines = ["No candidates match this profile."]
    if nm.excluded_by:
        main, count = nm.excluded_by[0]
        if main == "budget":
            lines.append("Offers meet every other constraint, but none within the budget.")
        else:
            lines.append(f"The {main} constraint excludes the most offers ({count:,} of {nm.considered:,}).")
        others = ", ".join(f"{name} ({n:,})" for name, n in nm.excluded_by[1:] if name != "budget")
        if others:
            lines.append(f"Also excluding: {others}.")
    for near in nm.nearest:
        c = near.candidate
        lines.append(
            f"  nearest: {c.provider} {c.region} {c.nodes} x {c.instance_type}{f' ({gpu_text(c)})' if c.gpu else ''} "
            f"${c.allin_usd_per_hour:,.2f}/h all-in: {'; '.join(near.lacks)}"
        )
    return lines


def _money(value: float) -> float:
    return round(value, 6)


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None
