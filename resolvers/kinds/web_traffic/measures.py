"""What the ``web_traffic`` kind measures from the domains' figures: the group's visits, or
its share of the group's and the others' visits, with the criteria's rules for domains that
have no figure for the month (left out; or the check is inconclusive; or annulled)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from resolvers.kinds.values import compare, show_number
from resolvers.kinds.web_traffic.answers import Figure, MissingFigures


@dataclass(frozen=True)
class Reading:
    met: bool
    value: str  # the share to 4 decimals, or the whole number of visits
    measured: str  # what was compared with what, for the explanation
    voided: str | None  # why the criteria annul the question, or None


def visits(number: Decimal) -> str:
    return f"{int(number.to_integral_value(ROUND_HALF_UP)):,}"


def percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"


def _domains(count: int) -> str:
    return f"{count} domain" if count == 1 else f"{count} domains"


def _left_out(missing: list[Figure]) -> str:
    if not missing:
        return ""
    names = "; ".join(f"{figure.domain} ({figure.missing})" for figure in missing)
    return f"; no figure, so left out of the sum: {names}"


def _voided(missing: list[Figure], config: dict) -> str | None:
    absent = {figure.domain for figure in missing}
    named = [domain for domain in config.get("annul_without", []) if domain in absent]
    if named:
        verb = "has" if len(named) == 1 else "have"
        return f"{', '.join(named)} {verb} no figure for {config['month']}"
    over = config.get("annul_if_missing_over")
    if over is not None and len(missing) > over:
        return f"{len(missing)} domains have no figure for {config['month']}, more than {over}"
    return None


def read(figures: list[Figure], config: dict) -> Reading:
    """The group's total or share, compared with the threshold (MissingFigures when a
    domain the config cannot do without has no figure, or none has one)."""
    missing = [figure for figure in figures if figure.visits is None]
    absent = {figure.domain for figure in missing}
    for domain in config.get("inconclusive_without", []):
        if domain in absent:
            reason = next(figure.missing for figure in missing if figure.domain == domain)
            raise MissingFigures(
                f"{domain} has no figure for {config['month']} ({reason}), and the check "
                "cannot conclude without it"
            )
    if len(missing) == len(figures):
        raise MissingFigures(
            f"none of the {len(figures)} domains has a figure for {config['month']} (first: "
            f"{missing[0].domain}, {missing[0].missing}); if Similarweb really has none, the "
            "criteria decide what follows (an admin may annul)"
        )
    counted = {figure.domain: figure.visits for figure in figures if figure.visits is not None}
    in_group = [domain for domain in config["group"]["domains"] if domain in counted]
    group_sum = sum((counted[domain] for domain in in_group), Decimal(0))
    label = config["group"].get("label", "the group")
    comparator = config.get("comparator", ">=")
    threshold = Decimal(str(config["threshold"]))
    if config["mode"] == "total":
        met = compare(group_sum, comparator, threshold)
        measured = (
            f"{label}: {visits(group_sum)} visits ({_domains(len(in_group))} with a figure)"
            f"{_left_out(missing)}; compared {comparator} {show_number(threshold)}"
        )
        return Reading(met, visits(group_sum), measured, _voided(missing, config))
    total = sum(counted.values(), Decimal(0))
    share = group_sum / total
    others = config["others"].get("label", "the others")
    with_figure = len(counted) - len(in_group)
    measured = (
        f"{label}: {visits(group_sum)} of {visits(total)} visits = {percent(share)} "
        f"({_domains(len(in_group))} with a figure, against {_domains(with_figure)} of "
        f"{others}){_left_out(missing)}; compared {comparator} {percent(threshold)}"
    )
    met = compare(share, comparator, threshold)
    value = str(share.quantize(Decimal("0.0001"), ROUND_HALF_UP))
    return Reading(met, value, measured, _voided(missing, config))
