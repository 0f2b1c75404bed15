"""Read YAML into plain Python values while remembering the line of every key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from transition_sim.errors import Problem, ScenarioError, dotted

Lines = dict[tuple, tuple[str, int]]


def load(path: Path) -> tuple[Any, Lines]:
    """The document at `path` and a map from key path to (file, line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError([Problem(str(path), "", None, f"cannot read: {err.strerror}")]) from None
    return parse(text, str(path))


# libyaml's parser is several times faster and its nodes carry the same line marks; its error
# messages differ, so a document it rejects is parsed again by the pure-Python one for the message.
FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def parse(text: str, file: str) -> tuple[Any, Lines]:
    try:
        if FAST_LOADER is not None:
            try:
                return _parse(text, file, FAST_LOADER)
            except yaml.YAMLError:
                pass
        return _parse(text, file, yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        message = f"malformed YAML: {err.problem or err.context}"
        raise ScenarioError([Problem(file, "", line, message)]) from None
    except yaml.YAMLError as err:
        raise ScenarioError([Problem(file, "", None, f"malformed YAML: {err}")]) from None


def _parse(text: str, file: str, loader_class: type) -> tuple[Any, Lines]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        lines: Lines = {}
        return (_build(node, (), loader, file, lines) if node is not None else None), lines
    finally:
        loader.dispose()


def _build(node: yaml.Node, path: tuple, loader: yaml.SafeLoader, file: str, lines: Lines) -> Any:
    lines[path] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, (str, int)):
                raise ScenarioError([Problem(file, dotted(path), key_node.start_mark.line + 1,
                                             f"a key must be a name, not {key!r}")])
            key = str(key)
            if key in out:
                raise ScenarioError([Problem(file, dotted(path + (key,)), key_node.start_mark.line + 1,
                                             "duplicate key")])
            out[key] = _build(value_node, path + (key,), loader, file, lines)
            lines[path + (key,)] = (file, key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), loader, file, lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node)

