"""Money by month, financial year (1 April - 31 March) and payer, computed over all replications at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transition_sim import money_paths, organisations
from transition_sim.programme import ThreePointArrays
from transition_sim.results import BRANCH, Results
from transition_sim.sampling import three_point, uniforms
from transition_sim.schema import Estimate, Quantity, Scenario
from transition_sim.units import financial_year, fy_start_year, fy_start_year_of
from transition_sim.workforce import after_conversion, fte_agency_share, service_scope, staff_groups

DAYS_PER_MONTH = 365.25 / 12
LEDGER_CHUNK = 1000  # replications whose (months × flows) money is stacked at once to read the ledger's rows
FUNDING = "transition funding"
TRANSITION = ("programme", "set-up", "risk", "shadow running", "stranded overheads", "loss claims")
DUAL_RUNNING = ("shadow running", "stranded overheads")
CONTRACT = ("contract sum", "transformation", "exceptional")
# where the service's money goes once the delivery model is live, for models without a contract
LIVE_CATEGORY = {"disaggregate": "service direct", "lead_authority": "recharge", "shared_service": "shared service"}
SHARED_SERVICE = CONTRACT + ("recharge", "shared service")  # what an in-house successor runs itself instead
# agreed before the year: the contract sum without the in-year exceptional funding
AGREED = tuple(c for c in SHARED_SERVICE if c != "exceptional")
# in-year pressure the provider absorbs below the exceptional threshold: booked to the provider, paid by no council
ABSORBED = "absorbed pressure"
OUTTURN = SHARED_SERVICE + (ABSORBED,)  # what the year cost: the contract sum and all the in-year money


@dataclass(frozen=True)
class Timeline:
    """What the cost model needs from the engine, as arrays over replications."""

    go_live: pd.DatetimeIndex  # (R,)
    task_finish: dict[str, pd.DatetimeIndex]  # per task id, (R,)
    risk_struck: dict[str, np.ndarray]
    risk_strike: dict[str, pd.DatetimeIndex]

    @classmethod
    def of(cls, replications: pd.DataFrame, tasks: pd.DataFrame, risks: pd.DataFrame) -> "Timeline":
        struck = risks.pivot(index="replication", columns="risk_id", values="struck")
        strike = risks.pivot(index="replication", columns="risk_id", values="strike_date")
        return cls(pd.DatetimeIndex(replications["go_live_date"]), FinishDates(tasks),
                   {str(k): struck[k].to_numpy(bool) for k in struck.columns},
                   {str(k): pd.DatetimeIndex(strike[k]) for k in strike.columns})

    def rows(self, rows: np.ndarray) -> "Timeline":
        """The timeline of some replications (positions in this one)."""
        return Timeline(self.go_live[rows], self.task_finish.of_rows(rows),
                        {k: v[rows] for k, v in self.risk_struck.items()},
                        {k: v[rows] for k, v in self.risk_strike.items()})


class FinishDates(dict):
    """Each task's finish date per replication (in replication order), made when first asked for: money
    reads a few of many tasks, so the task table is not pivoted."""

    def __init__(self, tasks: pd.DataFrame):
        super().__init__()
        self.tasks = tasks
        self.ids, self.codes = _codes(tasks["task_id"])
        replication = tasks["replication"].to_numpy()
        # the table's rows in replication order (None: they are already)
        self.order = None if (np.diff(replication) >= 0).all() else np.argsort(replication, kind="stable")
        self.rows = np.arange(len(np.unique(replication)))

    def __missing__(self, key: str) -> pd.DatetimeIndex:
        code = self.ids.get_loc(key)
        mine = np.flatnonzero(self.codes == code) if self.order is None else self.order[self.codes[self.order] == code]
        self[key] = pd.DatetimeIndex(self.tasks["finish_date"].to_numpy()[mine][self.rows])
        return self[key]

    def of_rows(self, rows: np.ndarray) -> "FinishDates":
        """The same for some replications (positions among these)."""
        out = FinishDates.__new__(FinishDates)
        dict.__init__(out, {key: dates[rows] for key, dates in self.items()})
        out.tasks, out.ids, out.codes, out.order, out.rows = self.tasks, self.ids, self.codes, self.order, self.rows[rows]
        return out


def _codes(values: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """A column's distinct values and each row's position among them."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.categories, values.cat.codes.to_numpy()
    codes, uniques = pd.factorize(values)
    return pd.Index(uniques), codes


class CostModel:
    """The monthly money of every replication of one scenario, as (replications × months) arrays."""

    def __init__(self, scenario: Scenario, seed: int, runs: int, first: int = 0, rows: np.ndarray | None = None):
        """For the `runs` replications numbered from `first` (a later block of a run starts after 0), or
        only those at positions `rows` among them (`self.runs` is then their number)."""
        if scenario.finance is None:
            raise ValueError("the scenario has no finance: section")
        self.scenario, self.fin, self.seed, self.first = scenario, scenario.finance, seed, first
        self.replications = first + (np.arange(runs) if rows is None else np.asarray(rows))
        self.runs = len(self.replications)
        start = pd.Timestamp(scenario.start.value)
        self.months = pd.date_range(start.to_period("M").to_timestamp(), pd.Timestamp(self.fin.horizon.value),
                                    freq="MS")
        self.fy_year = np.asarray(self.months.year - (self.months.month < 4))
        self.years = np.unique(self.fy_year)
        m = np.arange(len(self.months))
        self.vested = {key: m >= self.month_index(pd.DatetimeIndex([day]))[0]
                       for key, day in organisations.vesting_days(scenario).items()}

    # --- helpers -----------------------------------------------------------------------------
    def month_index(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """The month column of each date, clipped to the ledger; missing dates fall past the end."""
        first = self.months[0]
        idx = (dates.year - first.year) * 12 + (dates.month - first.month)
        idx = np.where(pd.isna(dates), len(self.months), np.asarray(idx, dtype=float))
        return np.clip(idx, 0, len(self.months)).astype(int)

    def sample(self, key: str, estimate: Estimate, width: int = 1) -> np.ndarray:
        u = uniforms(self.seed, (f"cost:{key}",), self.replications, width)[:, 0, :]
        arrays = ThreePointArrays.of([estimate] * width, [self.scenario.default_distribution] * width)
        out = three_point(u, arrays)
        return out[:, 0] if width == 1 else out

    def months_of(self, days: np.ndarray) -> np.ndarray:
        return np.rint(days / DAYS_PER_MONTH).astype(int)

    def agency_conversion(self) -> np.ndarray:
        """Per replication: the share of agency posts converting to permanent each year."""
        return self.sample("agency_conversion", self.fin.agency_conversion_per_year)

    def at_month(self, index: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """(R, M) with `amount` in column `index` of each row (nothing if past the horizon)."""
        out = np.zeros((self.runs, len(self.months) + 1))
        out[np.arange(self.runs), index] = amount
        return out[:, :-1]

    def between(self, first: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """(R, M) bool: months first <= m < stop."""
        m = np.arange(len(self.months))
        return (m >= first[:, None]) & (m < stop[:, None])

    # --- the parts -------------------------------------------------------------------------------
    def compute(self, timeline: Timeline) -> dict[str, np.ndarray]:
        """Council-paid money per category, (R, M) arrays in £; funders' contributions under (FUNDING, funder id)."""
        fin = self.fin
        go = self.month_index(timeline.go_live)
        parts: dict[str, np.ndarray] = {}
        burn = self.sample("programme_burn", fin.programme_burn_per_month)
        stabilisation = self.months_of(self.sample("stabilisation", fin.stabilisation))
        parts["programme"] = self.between(np.zeros(self.runs, int), go + stabilisation) * burn[:, None]
        parts["set-up"] = sum((self.at_month(self.month_index(timeline.task_finish[c.paid_when]),
                                             self.sample(f"setup:{key}", c.amount))
                               for key, c in fin.setup_costs.items()), np.zeros((self.runs, len(self.months))))
        parts["risk"] = sum((self.at_month(self.month_index(timeline.risk_strike[key]),
                                           self.sample(f"risk:{key}", risk.cost) * timeline.risk_struck[key])
                             for key, risk in self.scenario.risks.items() if risk.cost is not None),
                            np.zeros((self.runs, len(self.months))))
        shadow_from = self.month_index(timeline.task_finish[fin.shadow_from_task])
        parts["shadow running"] = self.between(shadow_from, go) * fin.shadow_running_per_month.value
        stranded = self.sample("stranded_overheads", fin.stranded_overheads_per_month)
        period = self.months_of(self.sample("stranded_period", fin.stranded_period))
        parts["stranded overheads"] = self.between(go, go + period) * stranded[:, None]
        parts.update(self.service(go))
        for key, amount in self.delivery_costs(timeline, go).items():
            parts[key] = parts.get(key, 0.0) + amount
        for funder, funding in fin.transition_funding.items():
            parts[(FUNDING, funder)] = self.at_month(self.month_index(timeline.task_finish[funding.paid_when]),
                                                     np.full(self.runs, funding.amount))
        return parts

    def rate(self, name: str, table: dict, label: str) -> np.ndarray | float:
        """A year's change in an index: its value if known, a draw per replication if uncertain."""
        item = table.get(label)
        if item is None:
            return 0.0
        return item.value if isinstance(item, Quantity) else self.sample(f"index:{name}:{label}", item)

    def indices(self) -> tuple[np.ndarray, np.ndarray]:
        """Pay and price indices per replication and financial year, (R, Y), 1 in the scenario's first year."""
        fin = self.fin
        low = fin.low_paid_share.value
        pay, price = [np.ones(self.runs)], [np.ones(self.runs)]
        for year in self.years[1:]:
            label = financial_year(int(year))
            award = self.rate("pay_award", fin.pay_awards, label)
            wage = self.rate("living_wage", fin.living_wage_changes, label)
            pay.append(pay[-1] * (1 + (1 - low) * award + low * wage))
            price.append(price[-1] * (1 + self.rate("inflation", fin.inflation, label)))
        return np.stack(pay, axis=1), np.stack(price, axis=1)

    def placements(self) -> np.ndarray:
        """(R, Y): the demand model's cost per year, children in care x unit cost x placement price index."""
        demand = self.fin.demand
        gap = int(self.years[0]) - fy_start_year_of(demand.counted_on.value + dt.timedelta(days=1))
        growth = self.sample("demand:children_in_care", demand.growth_per_year,
                             width=gap + len(self.years)).reshape(self.runs, -1)
        children = money_paths.children_in_care(demand.children_in_care.value, growth, gap)
        level, index = np.ones(self.runs), []
        for year in range(fy_start_year(demand.prices_in) + 1, int(self.years[-1]) + 1):
            label = financial_year(year)
            level = level * (1 + self.rate("placement_price", demand.price_growth, label))
            if year >= self.years[0]:
                index.append(level)
        if len(index) < len(self.years):  # the unit costs are in the first year's prices
            index = [np.ones(self.runs)] * (len(self.years) - len(index)) + index
        return children * demand.yearly_cost_per_child * np.stack(index, axis=1)

    def service(self, go: np.ndarray) -> dict[str, np.ndarray]:
        """The in-scope services: paid directly before go-live (and after a transfer back), else by contract."""
        fin, runs = self.fin, self.runs
        groups = staff_groups(self.scenario)
        services = {k: s for k, s in self.scenario.services.items() if service_scope(self.scenario, s) == "in"}
        pay, price = self.indices()
        conversion = self.agency_conversion()
        pressure = self.sample("in_year_pressure", fin.in_year_pressure, width=len(self.years)).reshape(runs, -1)
        rebase = self.sample("rebase_share", fin.rebase_share) if fin.rebase_share is not None else 0.0
        carried = money_paths.rebased_level(pressure, rebase)
        go_dates = self.months[np.minimum(go, len(self.months) - 1)]
        mid_year = pd.to_datetime([f"{y}-10-01" for y in self.years])
        years_since_go = np.maximum(0.0, (mid_year.values[None, :] - go_dates.values[:, None])
                                    / np.timedelta64(1, "D") / 365.25)
        year_col = np.searchsorted(self.years, self.fy_year)  # month -> year column
        m = np.arange(len(self.months))
        direct = np.zeros((runs, len(self.months)))
        contract = np.zeros((runs, len(self.months)))
        own: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # services with their own split: (direct, contract)
        for key, svc in services.items():
            mine = groups[groups["service_id"] == key]
            staff = np.zeros((runs, len(self.years)))
            for _, g in mine.iterrows():
                agency = after_conversion(g.agency_share, conversion[:, None], years_since_go)
                staff += g.fte * g.average_cost_gbp * (1 + g.agency_premium * agency)
            if fin.demand is not None and key == fin.demand.service:
                other = self.placements()
            else:
                other = (svc.budget - float(mine["cost_gbp"].sum())) * price
            core = (staff * pay + other) * carried
            core = core * (1 + pressure)  # in-year pressure: overspend in house, exceptional above threshold
            monthly = core[:, year_col] / 12
            back = len(self.months) if svc.transfer_back is None else \
                self.month_index(pd.DatetimeIndex([svc.transfer_back]))[0]
            live = (m[None, :] >= go[:, None]) & (m[None, :] < back)
            direct += np.where(live, 0.0, monthly)
            contract += np.where(live, monthly, 0.0)
            if svc.split is not None:
                own[key] = (np.where(live, 0.0, monthly), np.where(live, monthly, 0.0))
        if self.scenario.delivery.model in LIVE_CATEGORY:  # no contract: the councils pay all of it
            live_category = LIVE_CATEGORY[self.scenario.delivery.model]
            if live_category == "service direct":
                return self.own_splits({"service direct": direct + contract},
                                       {"service direct": lambda d, c: d + c}, (direct, contract), own)
            return self.own_splits({"service direct": direct, live_category: contract},
                                   {"service direct": lambda d, c: d, live_category: lambda d, c: c},
                                   (direct, contract), own)
        # the trust absorbs in-year pressure up to the threshold; above it councils pay exceptional funding
        pressure_cost = contract - contract / (1 + pressure[:, year_col])
        yearly_pressure = np.stack([pressure_cost[:, year_col == j].sum(axis=1) for j in range(len(self.years))], 1)
        exceptional_share = np.where(yearly_pressure > fin.exceptional_threshold.value, 1.0, 0.0)[:, year_col]
        absorbed = pressure_cost * (1 - exceptional_share)
        parts = {"service direct": direct,
                 "contract sum": contract - pressure_cost,
                 "exceptional": pressure_cost - absorbed}
        parts["transformation"] = self.transformation(go) * (contract > 0)
        labels = [financial_year(int(y)) for y in self.years]
        parts, absorbed = money_paths.apply_actuals(self.scenario, labels, year_col, parts, absorbed)
        from_contract = lambda d, c: c  # noqa: E731
        parts = self.own_splits(parts, {"service direct": lambda d, c: d, "contract sum": from_contract,
                                        "exceptional": from_contract, "transformation": from_contract},
                                (direct, contract), own)
        return {**parts, (ABSORBED, self.scenario.delivery.provider): absorbed}

    @staticmethod
    def own_splits(parts: dict, base: dict, totals: tuple[np.ndarray, np.ndarray],
                   own: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
        """Move each split-owning service's part of every category to the key (category, "service:<id>").

        `base[category](direct, contract)` is what the category grows with; a service's part of the
        category is its share of that base, month by month.
        """
        if not own:
            return parts
        out = dict(parts)
        for category, amount in parts.items():
            whole = base[category](*totals)
            safe = np.where(whole != 0, whole, 1.0)
            for key, (direct, contract) in own.items():
                part = amount * np.where(whole != 0, base[category](direct, contract) / safe, 0.0)
                out[(category, f"service:{key}")] = part
                out[category] = out[category] - part
        return out

    def delivery_costs(self, timeline: Timeline, go: np.ndarray) -> dict:
        """The delivery model's own cost items, support-service income and loss claims.

        Keys are a category (paid by the councils of the month, by the split) or (category, council id).
        """
        d, runs, n = self.scenario.delivery, self.runs, len(self.months)
        out: dict = {}

        def add(category: str, payer: str | None, amount: np.ndarray) -> None:
            key = category if payer is None else (category, payer)
            out[key] = out.get(key, 0.0) + amount

        successors = len(self.scenario.successors)
        vesting = np.full(runs, min(int(np.argmax(v)) if v.any() else n for v in self.vested.values()))
        for key, item in d.cost_items.items():
            times = {"once": 1, "each_successor": successors, "each_extra_successor": successors - 1}[item.times]
            amount = self.sample(f"delivery:{key}", item.amount) * times
            if item.paid_when is not None:
                flow = self.at_month(self.month_index(timeline.task_finish[item.paid_when]), amount)
            else:
                first = go if item.recurring_from == "go_live" else vesting
                flow = self.between(first, np.full(runs, n)) * (amount / 12)[:, None]
            add(item.category, item.paid_by, flow)
        live = self.between(go, np.full(runs, n)).astype(float)
        for key, service in d.support_services.items():
            # the contract sum pays for what the provider buys back; the providing council receives it
            charge = live * (self.sample(f"support:{key}", service.charge_per_year) / 12)[:, None]
            add("contract sum", None, charge)
            add("support-service income", service.provided_by, -charge)
        for key, claim in d.loss_claims.items():
            amount = self.sample(f"claim:{key}", claim.amount)
            if claim.risk is not None:
                when, happened = timeline.risk_strike[claim.risk], timeline.risk_struck[claim.risk]
            else:
                when = timeline.task_finish[claim.late_task]
                happened = np.asarray(when > pd.Timestamp(claim.due))
            add("loss claims", claim.paid_by, self.at_month(self.month_index(when), amount * happened))
        return out

    def transformation(self, go: np.ndarray) -> np.ndarray:
        t = self.fin.transformation
        out = np.zeros((self.runs, len(self.months)))
        if t is None:
            return out
        first = self.month_index(pd.DatetimeIndex([f"{fy_start_year(t.from_year)}-04-01"]))[0]
        in_year = (self.fy_year == fy_start_year(t.from_year))
        out += np.where(in_year, t.investment / 12, 0.0)[None, :]
        delay = self.months_of(self.sample("transformation_delay", t.delay))
        achieved = self.sample("transformation_achieved", t.achieved)
        saving = self.between(first + delay, np.full(self.runs, len(self.months))) * \
            (t.savings_per_year / 12 * achieved)[:, None]
        return out - saving

    # --- payers and the ledger -----------------------------------------------------------------
    def by_payer(self, parts: dict) -> dict[tuple[str, str], np.ndarray]:
        """(category, payer) -> (R, M): the predecessor pays before vesting day, the successors after it.

        A successor that keeps its share in house pays that share of the service as its own direct cost.
        A funder's contribution is its own payment and, as income, lowers what the councils pay.
        """
        shares = organisations.paying_shares(self.scenario, self.vested)
        d = self.scenario.delivery
        in_house = set(d.in_house)
        overhead = d.recharge_overhead.value if d.recharge_overhead is not None else 0.0
        out: dict[tuple[str, str], np.ndarray] = {}

        def add(category: str, payer: str, amount: np.ndarray) -> None:
            out[(category, payer)] = out.get((category, payer), 0.0) + amount

        service_shares = {f"service:{k}": organisations.paying_shares(self.scenario, self.vested, s.split)
                          for k, s in self.scenario.services.items() if s.split is not None}
        for category, amount in parts.items():
            month_shares = shares
            if isinstance(category, tuple):
                category, payer = category
                if payer in service_shares:  # a service with its own split rule
                    month_shares = service_shares[payer]
                elif payer not in self.scenario.funders:  # paid by one council
                    add(category, payer, amount)
                    continue
                else:
                    add(FUNDING, payer, amount)
                    category, amount = FUNDING, -amount
            for payer, share in month_shares.items():
                if payer in in_house and category in SHARED_SERVICE:
                    add("service direct", payer, amount * share)
                elif category == "recharge" and payer == d.host:
                    add("service direct", payer, amount * share)
                elif category == "recharge":  # the others pay the host their share and its overhead
                    add("recharge", payer, amount * share * (1 + overhead))
                    if overhead:
                        add("recharge income", d.host, -amount * share * overhead)
                else:
                    add(category, payer, amount * share)
        return out

    def by_payer_and_year(self, flows: dict[tuple[str, str], np.ndarray]) -> pd.DataFrame:
        """Per replication and year: the contract sum and outturn, `contract_sum_<year>_gbp` and
        `outturn_<year>_gbp`, and each payer's part of them, `..._<year>_<payer>_gbp`.

        A payer's part is what it pays under the contract (or the recharge or shared-service charge);
        the provider's outturn is the pressure it absorbs. A council's own share of a service it runs
        itself (in house, or as the host of a lead authority) is its direct cost, in neither.
        """
        table = {}
        labels = [financial_year(int(year)).replace('/', '_') for year in self.years]
        for measure, categories in (("contract_sum", AGREED), ("outturn", OUTTURN)):
            payers = sorted({payer for (category, payer) in flows if category in categories})
            by_payer = {payer: sum((v for (category, p), v in flows.items() if p == payer and category in categories),
                                   np.zeros((self.runs, len(self.months)))) for payer in payers}
            whole = sum(by_payer.values(), np.zeros((self.runs, len(self.months))))
            for year, label in zip(self.years, labels):
                table[f"{measure}_{label}_gbp"] = whole[:, self.fy_year == year].sum(axis=1)
            for payer, amount in by_payer.items():
                for year, label in zip(self.years, labels):
                    table[f"{measure}_{label}_{payer}_gbp"] = amount[:, self.fy_year == year].sum(axis=1)
        return pd.DataFrame(table)

    def ledger(self, flows: dict[tuple[str, str], np.ndarray]) -> pd.DataFrame:
        """A row per replication × month × category × payer with money, in that order: a chunk of
        replications at a time, each flow's months with money (most have none) are numbered by (replication,
        month, flow in (category, payer) order) and read in that order (built from codes: string columns
        for millions of rows are what made this slow)."""
        keys = sorted(flows)
        categories = sorted({category for category, _ in keys})
        payers = sorted({payer for _, payer in keys})
        shape, n_keys = (self.runs, len(self.months)), len(keys)
        columns: dict[str, list[np.ndarray]] = {"rep": [], "month": [], "key": [], "amount": []}
        for start in range(0, self.runs if keys else 0, LEDGER_CHUNK):
            stop = min(start + LEDGER_CHUNK, self.runs)
            cells, amounts = [], []
            for k, key in enumerate(keys):
                chunk = np.ravel(np.broadcast_to(flows[key], shape)[start:stop])
                where = np.flatnonzero(chunk)
                cells.append(where * n_keys + k)
                amounts.append(chunk[where])
            cell = np.concatenate(cells)
            order = np.argsort(cell)  # the numbers are distinct: any sort gives this order
            rep_month, key = np.divmod(cell[order], n_keys)
            rep, month = np.divmod(rep_month, shape[1])
            for name, values in zip(columns, (rep + start, month, key, np.concatenate(amounts)[order])):
                columns[name].append(values)
        rep, month, key, amount = (np.concatenate(columns[c]) if columns[c] else np.empty(0, int) for c in columns)

        def present(codes: np.ndarray, names: list[str]) -> pd.Categorical:
            """As astype("category") makes it: the names that occur, sorted."""
            used = np.flatnonzero(np.bincount(codes, minlength=len(names)))
            renumber = np.zeros(len(names), dtype=int)
            renumber[used] = np.arange(len(used))
            return pd.Categorical.from_codes(renumber[codes], categories=[names[i] for i in used])

        labels = [financial_year(int(y)) for y in self.fy_year]
        year_names = sorted(set(labels))
        year_code = np.array([year_names.index(label) for label in labels], dtype=int)
        key_category = np.array([categories.index(c) for c, _ in keys], dtype=int)
        key_payer = np.array([payers.index(p) for _, p in keys], dtype=int)
        return pd.DataFrame({"replication": rep + self.first, "month": self.months[month],
                             "financial_year": present(year_code[month], year_names),
                             "payer": present(key_payer[key] if keys else key, payers),
                             "category": present(key_category[key] if keys else key, categories),
                             "amount_gbp": amount.astype(float)})

    def totals(self, parts: dict[str, np.ndarray], go: pd.DatetimeIndex) -> pd.DataFrame:
        """Per replication: transition and dual-running cost, transition funding, staff, agency share."""
        def total(categories: tuple[str, ...]) -> np.ndarray:
            """(R, M): the council-paid parts of these categories, in the order given."""
            out = np.zeros((self.runs, len(self.months)))
            for category in categories:
                for key, amount in parts.items():
                    name, payer = (key, None) if isinstance(key, str) else key
                    if name == category and payer not in self.scenario.funders:
                        out = out + amount
            return out

        table = {
            "transition_cost_gbp": total(TRANSITION).sum(axis=1),
            "dual_running_cost_gbp": total(DUAL_RUNNING).sum(axis=1),
            "transition_funding_gbp": sum((v.sum(axis=1) for k, v in parts.items()
                                           if isinstance(k, tuple) and k[1] in self.scenario.funders),
                                          np.zeros(self.runs)),
        }
        groups = staff_groups(self.scenario)
        moving = groups[groups["in_scope"]]
        # only a separate provider takes staff under TUPE; councils receive theirs by the structural changes order
        tupe = int(moving["transfers_under_tupe"].sum()) if self.scenario.delivery.provider is not None else 0
        table["staff_transferred"] = np.full(self.runs, tupe)
        years = np.maximum(0.0, (pd.Timestamp(self.fin.horizon.value) - go).days.to_numpy() / 365.25)
        table["agency_share_at_horizon"] = fte_agency_share(moving, self.agency_conversion(), years)
        return pd.DataFrame(table)


def cost_tables(scenario: Scenario, seed: int, replications: pd.DataFrame, tasks: pd.DataFrame,
                risks: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger (a row per replication × month × payer × category) and per-replication totals."""
    return _money(seed, replications, Timeline.of(replications, tasks, risks), [(scenario, None)])


def costs_by_branch(scenario: Scenario, seed: int, replications: pd.DataFrame, tasks: pd.DataFrame,
                    risks: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The money of each replication from the scenario of its own branch (scope decisions settled).

    The cost model is run once per branch, on the replications of that branch (its draws are keyed
    by replication, so each row is what a run of that branch alone gives). This is the one place
    where the money model meets branching.
    """
    timeline = Timeline.of(replications, tasks, risks)
    if BRANCH not in replications:
        return _money(seed, replications, timeline, [(scenario, None)])
    labels = replications[BRANCH].to_numpy()
    branches = []
    for label in sorted(set(labels)):
        mine = np.flatnonzero(labels == label)
        outcomes = {b: replications[f"scope_{b}"].to_numpy()[mine[0]] for b in scenario.branches}
        branches.append((scenario.with_scope(outcomes), mine))
    return _money(seed, replications, timeline, branches)


def _money(seed: int, replications: pd.DataFrame, timeline: Timeline,
           branches: list[tuple[Scenario, np.ndarray | None]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger and per-replication totals of replications whose money each follows the scenario of
    its branch (`rows`: their positions, None for all)."""
    runs, first = len(replications), int(replications["replication"].iloc[0])
    flows: dict[tuple[str, str], np.ndarray] = {}
    totals = []
    for scenario, rows in branches:
        model = CostModel(scenario, seed, runs, first, rows)
        mine = timeline if rows is None else timeline.rows(rows)
        parts = model.compute(mine)
        own = model.by_payer(parts)
        total = pd.concat([model.totals(parts, mine.go_live), model.by_payer_and_year(own)], axis=1)
        if rows is None:
            flows, totals = own, [total]
            continue
        totals.append(total.set_axis(rows))
        for key, amount in own.items():
            flows.setdefault(key, np.zeros((runs, len(model.months))))[rows] = amount
    whole = CostModel(branches[0][0], seed, runs, first)  # the months and years are every branch's
    return whole.ledger(flows), totals[0] if len(totals) == 1 else pd.concat(totals).sort_index()


def with_money(results: Results) -> Results:
    """The results with the ledger and money columns, if the scenario has a finance: section."""
    if results.scenario.finance is None:
        return results
    return results.with_money(*costs_by_branch(results.scenario, results.seed, results.replications, results.tasks,
                                               results.risks))
