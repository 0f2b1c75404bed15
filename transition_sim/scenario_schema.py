"""The scenario language as JSON Schema, for editors' YAML extensions (pydantic generates it)."""

from __future__ import annotations

from transition_sim.schema import Scenario

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _as_what_if(node):
    """Nothing required, and any key may be `null` (a what-if removes a key of its base that way)."""
    if isinstance(node, list):
        return [_as_what_if(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _as_what_if(v) for k, v in node.items() if k != "required"}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: {"anyOf": [v, {"type": "null"}]} for k, v in out["properties"].items()}
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = {"anyOf": [out["additionalProperties"], {"type": "null"}]}
    return out


def json_schema(what_if: bool = False) -> dict:
    """The JSON Schema of a scenario file; with `what_if`, of a file that `extends:` another (nothing required)."""
    schema = Scenario.model_json_schema()
    for name, definition in schema["$defs"].items():
        if definition.get("title", "").startswith("Quantity["):  # `{value: ..., source: ...}` or the bare value
            schema["$defs"][name] = {"title": definition["title"],
                                     "anyOf": [definition, definition["properties"]["value"]]}
    schema["properties"] = {"extends": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                                        "title": "Extends",
                                        "description": "The scenario file (or files) this one changes, relative to it"},
                            **schema["properties"]}
    schema = {"$schema": DRAFT, **schema, "title": "transition-sim " + ("what-if" if what_if else "scenario")}
    return _as_what_if(schema) if what_if else schema
