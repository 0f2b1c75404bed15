"""Read YAML into plain Python values while remembering the line of every key, and write plain values as YAML.

Hostile documents are refused with a clear problem rather than a traceback or a hang: text that is
not UTF-8, scalars PyYAML cannot construct (a date such as 2020-13-45), aliases that refer to
themselves or expand beyond `MAX_ALIAS_VALUES` values ("billion laughs"), and nesting deeper than
`MAX_DEPTH`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml

from transition_sim.errors import Problem, ScenarioError, dotted
from transition_sim.gcpause import without_gc

Lines = dict[tuple, tuple[str, int]]

# libyaml, where installed, parses several times faster and its nodes carry the same line marks
FAST_LOADER = getattr(yaml, "CSafeLoader", None)
MAX_DEPTH = 100  # a scenario nests about 6 deep
MAX_ALIAS_VALUES = 10_000  # values reached through aliases; merge keys (<<: *base) need far fewer
STR_TAG, MAP_TAG, SEQ_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
FAST_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: the same text, many times faster


def load(path: Path) -> tuple[Any, Lines]:
    """The document at `path` and a map from key path to (file, line)."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise ScenarioError([Problem(str(path), "", None, f"cannot read: {err.strerror}")]) from None
    return parse(decode(data, str(path)), str(path))


def decode(data: bytes, file: str) -> str:
    """UTF-8 text, or a problem naming the line of the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ScenarioError([Problem(file, "", line, f"not UTF-8 text (byte 0x{data[err.start]:02x}); "
                                     "save the file as UTF-8")]) from None


@without_gc
def parse(text: str, file: str, as_text: bool = False) -> tuple[Any, Lines]:
    """`text` as values; with `as_text`, every scalar stays the string it was written as.

    libyaml's messages differ from the pure-Python parser's, so a document libyaml rejects is
    parsed again by the pure-Python one for the message and line.
    """
    try:
        if FAST_LOADER is not None:
            try:
                return _parse(text, file, as_text, FAST_LOADER)
            except yaml.YAMLError:
                pass
        return _parse(text, file, as_text, yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        message = f"malformed YAML: {err.problem or err.context}"
        raise ScenarioError([Problem(file, "", line, message)]) from None
    except yaml.YAMLError as err:
        raise ScenarioError([Problem(file, "", None, f"malformed YAML: {err}")]) from None


def _parse(text: str, file: str, as_text: bool, loader_class: type) -> tuple[Any, Lines]:
    loader = loader_class(text)
    try:
        node = _compose(loader, file)
        lines: Lines = {}
        value = _Builder(loader, file, lines, as_text).build(node, ()) if node is not None else None
        return value, lines
    finally:
        loader.dispose()


def _compose(loader, file: str) -> yaml.Node | None:
    """The node graph; PyYAML composes recursively, so a very deep document ends in RecursionError."""
    try:
        return loader.get_single_node()
    except RecursionError:
        raise ScenarioError([Problem(file, "", None, f"nested more than {MAX_DEPTH} levels deep")]) from None


class _Builder:
    def __init__(self, loader, file: str, lines: Lines, as_text: bool):
        self.loader, self.file, self.lines, self.as_text = loader, file, lines, as_text
        self.seen: set[int] = set()  # nodes built once already: a second visit goes through an alias
        self.open: set[int] = set()  # nodes being built: a visit to one is a recursive alias
        self.alias_values = 0

    def fail(self, node: yaml.Node, path: tuple, message: str) -> ScenarioError:
        return ScenarioError([Problem(self.file, dotted(path), node.start_mark.line + 1, message)])

    def build(self, node: yaml.Node, path: tuple, via_alias: bool = False) -> Any:
        key = id(node)
        if key in self.open:
            raise self.fail(node, path, "an alias refers to the value that contains it (recursive alias)")
        via_alias = via_alias or key in self.seen
        if via_alias:
            self.alias_values += 1
            if self.alias_values > MAX_ALIAS_VALUES:
                raise self.fail(node, path, f"aliases expand to more than {MAX_ALIAS_VALUES:,} values; "
                                "write the values out or use fewer aliases")
        if len(path) > MAX_DEPTH:
            raise self.fail(node, path, f"nested more than {MAX_DEPTH} levels deep")
        self.seen.add(key)
        self.lines[path] = (self.file, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        self.open.add(key)
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path, via_alias)
            return [self.build(item, path + (i,), via_alias) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(key)

    def scalar(self, node: yaml.ScalarNode, path: tuple) -> Any:
        if self.as_text or node.tag == STR_TAG:  # what construct_object would return, without its bookkeeping
            return node.value
        try:
            return self.loader.construct_object(node)
        except (ValueError, OverflowError) as err:
            what = "date" if node.tag.endswith(":timestamp") else "value"
            raise self.fail(node, path, f"not a valid {what}: {node.value!r} ({err})") from None

    def mapping(self, node: yaml.MappingNode, path: tuple, via_alias: bool) -> dict:
        try:
            self.loader.flatten_mapping(node)
        except RecursionError:
            raise self.fail(node, path, "merge keys (<<) refer to themselves") from None
        out: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, path, "a key must be a name, not a list or mapping")
            key = self.scalar(key_node, path)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise self.fail(key_node, path, f"a key must be a name, not {key!r}")
            key = str(key)
            if key in out:
                raise self.fail(key_node, path + (key,), "duplicate key")
            out[key] = self.build(value_node, path + (key,), via_alias)
            self.lines[path + (key,)] = (self.file, key_node.start_mark.line + 1)
        return out


def dump(value: Any) -> str:
    """`yaml.dump(value, Dumper=FAST_DUMPER, sort_keys=False, allow_unicode=True)`, the same text faster.

    Dicts, lists and strings become nodes directly (PyYAML's representer keeps every object for
    aliases); other scalars go through the representer as before. A document in which one dict or
    list appears twice (PyYAML writes it once, with an alias) is left to yaml.dump.
    """
    stream = io.StringIO()
    dumper = _Dumper(stream, default_flow_style=False, allow_unicode=True, sort_keys=False)
    try:
        dumper.open()
        dumper.serialize(_node(dumper, value, set()))
        dumper.close()
    except _Shared:
        return yaml.dump(value, Dumper=FAST_DUMPER, sort_keys=False, allow_unicode=True)
    finally:
        dumper.dispose()
    return stream.getvalue()


class _Shared(Exception):
    pass


def _node(dumper, value: Any, seen: set[int]) -> yaml.Node:
    kind = type(value)
    if kind is str:
        return yaml.ScalarNode(STR_TAG, value)
    if kind is dict or kind is list:
        if id(value) in seen:
            raise _Shared
        seen.add(id(value))
        if kind is dict:
            return yaml.MappingNode(MAP_TAG, [(_node(dumper, k, seen), _node(dumper, v, seen)) for k, v in value.items()],
                                    flow_style=False)
        return yaml.SequenceNode(SEQ_TAG, [_node(dumper, v, seen) for v in value], flow_style=False)
    return dumper.represent_data(value)


class _Dumper(FAST_DUMPER):
    """A scalar's implicit tag worked out once per distinct text (the resolver is Python regular expressions)."""

    def open(self) -> None:
        self.tags: dict = {}
        super().open()

    def resolve(self, kind, value, implicit):
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self.tags.get(key)
        if tag is None:
            tag = self.tags[key] = super().resolve(kind, value, implicit)
        return tag
