"""MS Project XML (MSPDI), as saved by Project ("Save as XML"), Project Online and ProjectLibre.

Read with lxml with entity expansion off: a file that declares XML entities is refused, never
expanded. A row is a summary when a later row nests under it by OutlineLevel, whatever its
Summary flag says; leaf rows become tasks and their nearest summary row their workstream.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from lxml import etree

from transition_sim.errors import Problem, ScenarioError
from transition_sim.importers.plan import Plan, PlanLink, PlanTask, Where, unique_ids

NAMESPACE = "http://schemas.microsoft.com/project"
LINK_TYPES = {"0": "FF", "1": "FS", "2": "SF", "3": "SS"}
# LagFormat codes: working time (minutes .. months, and their estimated forms, 21/53 = none) vs elapsed or %
WORKING_FORMATS = {"3", "5", "7", "9", "11", "21", "35", "37", "39", "41", "43", "53"}
PERCENT_FORMATS = {"19", "20", "51", "52"}
UNASSIGNED = "-65535"  # the ResourceUID MS Project writes for an assignment with no resource
CONSTRAINTS = {"1": "as late as possible", "2": "must start on", "3": "must finish on", "4": "start no earlier than",
               "5": "start no later than", "6": "finish no earlier than", "7": "finish no later than"}
_ISO = re.compile(r"^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_xml(path: Path) -> etree._Element:
    """The root element; not XML, unreadable, or declaring entities (an entity bomb) is a problem."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as err:
        raise ScenarioError([Problem(str(path), "", err.lineno, f"not XML: {err.msg}")]) from None
    except OSError as err:
        raise ScenarioError([Problem(str(path), "", None, f"cannot read the file: {err}")]) from None
    dtd = tree.docinfo.internalDTD
    if dtd is not None and list(dtd.iterentities()):
        raise ScenarioError([Problem(str(path), "DOCTYPE", 1, "declares XML entities: refused, not expanded "
                                     "(an MS Project file has none; this may be an entity bomb)")])
    return tree.getroot()


class _Reader:
    def __init__(self, path: Path, root: etree._Element, mapping: dict[str, str]):
        self.path, self.file = path, str(path)
        self.ns = "{" + NAMESPACE + "}"
        if root.tag != self.ns + "Project":
            raise ScenarioError([Problem(self.file, etree.QName(root).localname, root.sourceline,
                                         f"XML of another kind: the root element is <{etree.QName(root).localname}>"
                                         f"{' in ' + etree.QName(root).namespace if etree.QName(root).namespace else ''}"
                                         f", not an MS Project <Project> in {NAMESPACE}")])
        self.root, self.mapping = root, mapping
        mpd = self.text(root, "MinutesPerDay")
        self.minutes_per_day = float(mpd) if mpd else 480.0
        self.notes: list[str] = [] if mpd else ["The file gives no MinutesPerDay: 480 (8 hours) assumed."]

    def text(self, el, tag: str, default: str | None = None) -> str | None:
        child = el.find(self.ns + tag)
        return default if child is None or child.text is None else child.text.strip()

    def where(self, el, kind: str = "Task") -> Where:
        return Where(self.file, f"{kind}s/{kind} UID {self.text(el, 'UID')}", el.sourceline)

    def date(self, el, tag: str) -> dt.date | None:
        value = self.text(el, tag)
        if not value:
            return None
        try:
            return dt.datetime.fromisoformat(value.split(".")[0]).date()
        except ValueError:
            raise self.where(el).error(f"cannot read the date {value!r}", tag) from None

    def days(self, el, tag: str, value: str | None = None) -> float | None:
        """Working days in an ISO-8601 duration such as PT16H0M0S, using the file's minutes per day."""
        value = self.text(el, tag) if value is None else value
        if value is None:
            return None
        match = _ISO.match(value)
        if match is None:
            raise self.where(el).error(f"cannot read the duration {value!r} (expected ISO-8601 such as PT16H0M0S)",
                                       tag)
        sign, d, h, m, s = match.groups()
        minutes = float(d or 0) * 24 * 60 + float(h or 0) * 60 + float(m or 0) + float(s or 0) / 60
        return (-1 if sign else 1) * minutes / self.minutes_per_day

    def read(self) -> Plan:
        rows = [t for t in self.root.iterfind(f"{self.ns}Tasks/{self.ns}Task")
                if self.text(t, "UID") != "0" and self.text(t, "IsNull") != "1"]
        by_uid = {}
        for t in rows:
            uid = self.text(t, "UID")
            if uid is None:
                raise ScenarioError([Problem(self.file, "Tasks/Task", t.sourceline, "a task without a UID")])
            by_uid[uid] = t
        levels = [int(self.text(t, "OutlineLevel", "1")) for t in rows]
        leaf = [i + 1 == len(rows) or levels[i + 1] <= levels[i] for i in range(len(rows))]
        parent: dict[str, str | None] = {}
        stack: list[int] = []
        for i, t in enumerate(rows):
            while stack and levels[stack[-1]] >= levels[i]:
                stack.pop()
            parent[self.text(t, "UID")] = self.text(rows[stack[-1]], "UID") if stack else None
            stack.append(i)
        leaf_uids = [self.text(t, "UID") for t, is_leaf in zip(rows, leaf) if is_leaf]
        leaves_under: dict[str, list[str]] = {}
        for uid in leaf_uids:
            up = parent[uid]
            while up is not None:
                leaves_under.setdefault(up, []).append(uid)
                up = parent[up]
        project = self.text(self.root, "Title") or self.text(self.root, "Name") or self.path.stem
        tasks = {uid: self.task(by_uid[uid], parent[uid], by_uid, project) for uid in leaf_uids}
        link_types = self.links(rows, by_uid, leaves_under, tasks)
        capacities, assignment_counts = self.resources(tasks, leaves_under)
        self.flag_notes(rows, leaf)
        start = self.date(self.root, "StartDate") or min((self.date(t, "Start") for t in rows if self.text(t, "Start")),
                                                         default=None)
        if start is None:
            raise ScenarioError([Problem(self.file, "StartDate", None, "the plan has no start date")])
        progress = any(t.percent_complete > 0 for t in tasks.values())
        status = (self.date(self.root, "StatusDate") or self.date(self.root, "CurrentDate")) if progress else None
        lags = [link.lag_days for t in tasks.values() for link in t.links if link.lag_days]
        workstreams = {t.workstream for t in tasks.values()}
        return Plan(
            file=self.file, kind="MS Project XML", name=project, start=start, tasks=list(tasks.values()),
            finish=self.date(self.root, "FinishDate"), status=status, capacities=capacities, notes=self.notes,
            counts={"rows": len(rows), "summary rows": len(rows) - len(leaf_uids), "tasks": len(leaf_uids),
                    "milestones": sum(t.milestone for t in tasks.values()), "workstreams": len(workstreams),
                    "links in the file": sum(link_types.values()),
                    **{f"{k} links": link_types[k] for k in LINK_TYPES.values()},
                    "links after summaries are expanded": sum(len(t.links) for t in tasks.values()),
                    "lags (working days)": lags, "minutes per day": self.minutes_per_day,
                    "capacities": len(capacities), **assignment_counts})

    def task(self, el, parent_uid: str | None, by_uid: dict, project: str) -> PlanTask:
        where = self.where(el)
        duration = self.days(el, "Duration")
        if duration is None:
            raise where.error("a task without a Duration", "Duration")
        task = PlanTask(key=self.text(el, "UID"), name=self.text(el, "Name") or f"Task {self.text(el, 'UID')}",
                        workstream=self.text(by_uid[parent_uid], "Name") if parent_uid else project, where=where,
                        duration_days=duration, milestone=duration == 0 or self.text(el, "Milestone") == "1",
                        percent_complete=float(self.text(el, "PercentComplete", "0")))
        task.estimate = self.custom_estimate(el, duration)
        if task.percent_complete > 0:
            task.actual_start, task.actual_finish = self.date(el, "ActualStart"), self.date(el, "ActualFinish")
            task.remaining_days = self.days(el, "RemainingDuration")
        kind = self.text(el, "ConstraintType", "0")
        if kind in ("2", "4"):
            task.not_before = self.date(el, "ConstraintDate")
        if kind in CONSTRAINTS and kind != "4":
            self.notes.append(f"{task.name!r} ({where.item}) has the constraint '{CONSTRAINTS[kind]}' "
                              f"{self.text(el, 'ConstraintDate')}: "
                              + ("taken as not_before." if kind == "2"
                                 else "not imported (only start-no-earlier-than is)."))
        return task

    def custom_estimate(self, el, likely: float) -> tuple[float, float, float] | None:
        """Low and high from the custom fields --map names (by field name or alias), if the task has both."""
        if not ({"low", "high"} & set(self.mapping)):
            return None
        ids = {}
        for attr in self.root.iterfind(f"{self.ns}ExtendedAttributes/{self.ns}ExtendedAttribute"):
            for name in (self.text(attr, "FieldName"), self.text(attr, "Alias")):
                if name:
                    ids[name] = self.text(attr, "FieldID")
        values = {self.text(a, "FieldID"): self.text(a, "Value") for a in el.iterfind(f"{self.ns}ExtendedAttribute")}
        out = []
        for point in ("low", "high"):
            column = self.mapping.get(point)
            if column not in ids:
                raise ScenarioError([Problem(self.file, "ExtendedAttributes", None, f"--map names {column!r} for "
                                             f"{point}, but the file has no such custom field (it has: "
                                             f"{', '.join(sorted(ids)) or 'none'})")])
            value = values.get(ids[column])
            if value is None:
                return None  # the task falls back to the --range rule
            if value.startswith(("P", "-P")):
                out.append(self.days(el, f"ExtendedAttribute {column}", value))
            else:
                try:
                    out.append(float(value))
                except ValueError:
                    raise self.where(el).error(f"cannot read the duration {value!r}", column) from None
        return out[0], likely, out[1]

    def links(self, rows, by_uid, leaves_under, tasks) -> dict[str, int]:
        """Each leaf's links, a link to or from a summary row standing for links to or from its leaves."""
        counts = {k: 0 for k in LINK_TYPES.values()}
        for el in rows:
            uid, where = self.text(el, "UID"), self.where(el)
            for link in el.iterfind(f"{self.ns}PredecessorLink"):
                pred = self.text(link, "PredecessorUID")
                line_where = Where(self.file, f"{where.item} PredecessorLink", link.sourceline)
                if pred not in by_uid:
                    raise line_where.error(f"links to a task that is not in the file: UID {pred}")
                kind = LINK_TYPES.get(self.text(link, "Type", "1"))
                if kind is None:
                    raise line_where.error(f"unknown link Type {self.text(link, 'Type')!r} (0 FF, 1 FS, 2 SF, 3 SS)")
                counts[kind] += 1
                lag_format = self.text(link, "LagFormat", "7")
                name = self.text(el, "Name")
                if lag_format not in WORKING_FORMATS:
                    unit = "per cent" if lag_format in PERCENT_FORMATS else "elapsed time"
                    raise line_where.error(f"task {name!r}: a lag in {unit}"
                                           f" (LagFormat {lag_format}) cannot be represented by the engine, whose lags "
                                           "are in working days")
                lag = float(self.text(link, "LinkLag", "0")) / 10 / self.minutes_per_day
                preds = [pred] if pred in tasks else leaves_under[pred]
                succs = [uid] if uid in tasks else leaves_under[uid]
                if pred not in tasks and kind not in ("FS", "FF"):
                    raise line_where.error(f"task {name!r}: a {kind} link from the start of the summary row "
                                           f"{self.text(by_uid[pred], 'Name')!r} (UID {pred}) cannot be represented "
                                           "(the engine has no summary tasks); link its subtasks instead")
                if uid not in tasks and kind not in ("FS", "SS"):
                    raise line_where.error(f"summary row {name!r}: a {kind} link to its finish cannot be represented "
                                           "(the engine has no summary tasks); link its subtasks instead")
                for s in succs:
                    for p in preds:
                        new = PlanLink(p, kind, lag)
                        if new not in tasks[s].links:
                            tasks[s].links.append(new)
        return counts

    def resources(self, tasks: dict[str, PlanTask], leaves_under) -> tuple[dict, dict]:
        """Work resources as capacities (MaxUnits rounded to whole posts) and assignments as needs."""
        found = []
        for el in self.root.iterfind(f"{self.ns}Resources/{self.ns}Resource"):
            if self.text(el, "UID") in (None, "0") or self.text(el, "IsNull") == "1" or not self.text(el, "Name"):
                continue
            if self.text(el, "Type", "1") != "1":
                self.notes.append(f"Resource {self.text(el, 'Name')!r} is a material or cost resource: not a capacity.")
                continue
            found.append(el)
        ids = unique_ids([(self.text(el, "UID"), self.text(el, "Name")) for el in found], "resource")
        capacities, by_uid = {}, {}
        for el in found:
            units = float(self.text(el, "MaxUnits", "1"))
            posts = max(1, round(units))
            key = ids[self.text(el, "UID")]
            capacities[key] = (posts, f"{Path(self.file).name}: resource {self.text(el, 'Name')!r}, MaxUnits {units:g}")
            by_uid[self.text(el, "UID")] = key
        real = unassigned = 0
        for el in self.root.iterfind(f"{self.ns}Assignments/{self.ns}Assignment"):
            task_uid, res_uid = self.text(el, "TaskUID"), self.text(el, "ResourceUID")
            if res_uid == UNASSIGNED or res_uid not in by_uid:
                unassigned += 1
                continue
            real += 1
            key = by_uid[res_uid]
            if task_uid not in tasks:
                self.notes.append(f"An assignment of {key} to the summary row UID {task_uid} is not imported.")
                continue
            need = max(1, math.ceil(float(self.text(el, "Units", "1")) - 1e-9))
            if need > capacities[key][0]:
                self.notes.append(f"{tasks[task_uid].name!r} needs {need} {key} but there are "
                                  f"{capacities[key][0]}: taken as {capacities[key][0]}.")
                need = capacities[key][0]
            tasks[task_uid].needs[key] = max(tasks[task_uid].needs.get(key, 0), need)
        assignments = self.root.iterfind(f"{self.ns}Assignments/{self.ns}Assignment")
        if any(float(self.text(el, "Units", "1")) % 1 for el in assignments if self.text(el, "ResourceUID") in by_uid):
            self.notes.append("Part-time assignments (Units below 1) hold a whole post: the engine's capacities are "
                              "posts.")
        return capacities, {"assignments to a resource": real, "assignments to no resource (ignored)": unassigned}

    def flag_notes(self, rows, leaf) -> None:
        lying = [self.text(t, "UID") for t, is_leaf in zip(rows, leaf) if (self.text(t, "Summary") == "1") == is_leaf]
        if lying:
            self.notes.append(f"{len(lying)} rows have a Summary flag that their outline contradicts "
                              f"(UID {', '.join(lying)}): the outline was followed.")


def read(path: Path, mapping: dict[str, str]) -> Plan:
    plan = _Reader(path, parse_xml(path), mapping).read()
    plan.check()
    return plan
