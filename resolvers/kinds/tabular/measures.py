"""The aggregates over the counted rows, each giving a number and the sentence saying how it
was found; a group or row that cannot be found, a tie, a zero denominator is inconclusive."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.tabular.select import Row, label, narrow, numbers, rows_text, selected
from resolvers.kinds.values import compare, parse_when, show_number


@dataclass(frozen=True)
class Measure:
    value: Decimal
    text: str  # what was found, e.g. "best of open (Kimi K3) 61.2 / best of closed ... 0.94"


def show(number: Decimal) -> str:
    """A value as an explanation shows it: at most four decimals."""
    return show_number(number.quantize(Decimal("0.0001")).normalize())


def stored(number: Decimal) -> str:
    """A value as the check stores it (plain text, no thousands separator)."""
    text = f"{number.quantize(Decimal('0.0001')).normalize():f}"
    return "0" if text in ("-0", "") else text


def measure(rows: list[Row], config: dict, where: str) -> Measure:
    aggregate = config["aggregate"]
    if aggregate == "count":
        return Measure(Decimal(len(rows)), rows_text(len(rows)))
    values, skipped = numbers(rows, config, where)
    left_out = f" ({rows_text(skipped)} without a value left out)" if skipped else ""
    if not values:
        raise EvaluationError(f"none of the counted rows of {where} has a value{left_out}")
    column = config["column"]
    if aggregate in ("max", "min"):
        pick = max if aggregate == "max" else min
        number, row = pick(values, key=lambda item: item[0])
        return Measure(
            number, f"{aggregate} {column} = {show(number)} ({label(row, config)}){left_out}"
        )
    if aggregate == "sum":
        total = sum((number for number, _ in values), Decimal(0))
        return Measure(
            total, f"sum of {column} over {rows_text(len(values))} = {show(total)}{left_out}"
        )
    if aggregate == "latest":
        return _latest(values, config, left_out)
    if aggregate == "share":
        return _share(values, config, where, left_out)
    if aggregate == "rank":
        return _rank(values, config, where, left_out)
    return _versus(values, config, where, left_out)


def _latest(values: list[tuple[Decimal, Row]], config: dict, left_out: str) -> Measure:
    column = config["date_column"]
    newest = max(parse_when(row[column]) for _, row in values)
    last = {number for number, row in values if parse_when(row[column]) == newest}
    if len(last) > 1:
        raise EvaluationError(
            f"{len(last)} rows dated {row_date(newest)} (the newest) give different values "
            f"({', '.join(map(show, sorted(last)))}), so the latest value is ambiguous"
        )
    (number,) = last
    return Measure(
        number, f"latest {config['column']} ({row_date(newest)}) = {show(number)}{left_out}"
    )


def row_date(when) -> str:
    return when.date().isoformat()


def _share(values: list[tuple[Decimal, Row]], config: dict, where: str, left_out: str) -> Measure:
    total = sum((number for number, _ in values), Decimal(0))
    if total == 0:
        raise EvaluationError(f"the counted rows of {where} sum to 0, so no share can be taken")
    chosen = [number for number, row in values if selected(row, config["selected"])]
    part = sum(chosen, Decimal(0))
    name = config["selected"].get("label", "the selected rows")
    share = part / total
    return Measure(
        share,
        f"{name} ({len(chosen)} of {len(values)} rows) sum to {show(part)} of "
        f"{show(total)} = {share:.2%}{left_out}",
    )


def _better(config: dict):
    return (lambda a, b: a > b) if config.get("best", "max") == "max" else (lambda a, b: a < b)


def _rank(values: list[tuple[Decimal, Row]], config: dict, where: str, left_out: str) -> Measure:
    wanted = [(number, row) for number, row in values if selected(row, config["row"])]
    name = config["row"].get("label", "the row ranked")
    if len(wanted) != 1:
        found = "no row" if not wanted else rows_text(len(wanted))
        raise EvaluationError(
            f"{found} of the {rows_text(len(values), 'counted rows')} of {where} match "
            f"{name}; the rank needs exactly one"
        )
    (number, row), better = wanted[0], _better(config)
    rank = 1 + sum(1 for other, _ in values if better(other, number))
    tied = [other for other, candidate in values if other == number and candidate is not row]
    if tied:
        raise EvaluationError(
            f"{name} ({label(row, config)}) ties with {len(tied)} other row(s) at "
            f"{show(number)}, so its rank ({rank} or lower) is ambiguous"
        )
    return Measure(
        Decimal(rank),
        f"{name} ({label(row, config)}, {show(number)}) ranks {rank} of {len(values)}{left_out}",
    )


def _versus(values: list[tuple[Decimal, Row]], config: dict, where: str, left_out: str) -> Measure:
    """gap (best of a - best of b) or ratio (best of a / best of b)."""
    better, groups = _better(config), config["groups"]
    bests = {}
    for key in ("a", "b"):
        group = groups[key]
        members = [(n, row) for n, row in values if selected(row, group)]
        name = group.get("label", f"group {key}")
        if not members:
            raise EvaluationError(
                f"no row of the {rows_text(len(values), 'counted rows')} of {where} is in "
                f"{name}{left_out}"
            )
        best = members[0]
        for member in members[1:]:
            if better(member[0], best[0]):
                best = member
        bests[key] = (name, best)
    if config.get("unclassified") == "inconclusive":
        _no_unclassified_above(values, config, bests, where)
    (name_a, (a, row_a)), (name_b, (b, row_b)) = bests["a"], bests["b"]
    shown = (
        f"best of {name_a} = {show(a)} ({label(row_a, config)}), best of {name_b} = "
        f"{show(b)} ({label(row_b, config)})"
    )
    if config["aggregate"] == "gap":
        return Measure(a - b, f"{shown}: gap {show(a - b)}{left_out}")
    if b == 0:
        raise EvaluationError(f"the best of {name_b} is 0, so the ratio cannot be taken")
    return Measure(a / b, f"{shown}: ratio {show(a / b)}{left_out}")


def _no_unclassified_above(values, config: dict, bests: dict, where: str) -> None:
    better = _better(config)
    groups = config["groups"]
    bar = bests["a"][1][0] if better(bests["b"][1][0], bests["a"][1][0]) else bests["b"][1][0]
    loose = [
        (number, row)
        for number, row in values
        if better(number, bar) and not any(selected(row, groups[key]) for key in ("a", "b"))
    ]
    if loose:
        number, row = loose[0]
        raise EvaluationError(
            f"{label(row, config)} ({show(number)}) in {where} is in neither group yet beats "
            f"the best of one of them; classify it (and any like it: {rows_text(len(loose))}) in "
            "groups"
        )


# --- Annulment ----------------------------------------------------------------------------


def annulment(rows: list[Row], config: dict, where: str) -> str | None:
    """The first annul_if condition that holds over the counted rows, said as a sentence."""
    for item in config.get("annul_if", []):
        chosen = [row for row in rows if selected(row, item)]
        if item["aggregate"] == "count":
            number = Decimal(len(chosen))
        else:
            values, _ = numbers(
                chosen, {**config, "column": item["column"], "skip_blank": True}, where
            )
            if not values:
                continue  # no value to test: the condition cannot hold
            found = [value for value, _ in values]
            picks = {"max": max, "min": min, "sum": lambda xs: sum(xs, Decimal(0))}
            number = picks[item["aggregate"]](found)
        if compare(number, item["comparator"], item["threshold"]):
            return (
                f"{item['reason']}: {item['aggregate']} = {show(number)}, "
                f"{item['comparator']} {show_number(item['threshold'])}"
            )
    return None


def base_rows(rows: list[Row], config: dict, where: str) -> list[Row]:
    return narrow(rows, config, where)
