"""Validates YAML pipeline specs against sluice's JSON Schema.

usage: validate_specs.py SCHEMA.json SPEC.yaml...
Prints one JSON object: {"spec path": ["error", ...], ...}; an empty list
means the spec is valid. Exits non-zero only if the schema itself is invalid.

YAML is read the way sluice reads it (YAML 1.2 core schema), not PyYAML's
YAML 1.1 default: only true/false are booleans (`yes`, `on` stay strings),
`010` is ten, and dates stay strings, so jsonschema sees the same plain JSON
types sluice's decoder does.
"""
import json
import re
import sys

import yaml
from jsonschema import Draft202012Validator


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with the core schema's implicit tags instead of YAML 1.1's."""


CoreLoader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$", list("-+0123456789")),
    ("float", r"^(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+0123456789.")),
    ("merge", r"^<<$", ["<"]),
]:
    CoreLoader.add_implicit_resolver("tag:yaml.org,2002:" + tag, re.compile(pattern), first)


def construct_int(loader, node):
    # SafeLoader's own int constructor reads 010 as octal and rejects 0o17.
    text = loader.construct_scalar(node)
    sign, body = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
    if body.startswith("0x"):
        return sign * int(body[2:], 16)
    if body.startswith("0o"):
        return sign * int(body[2:], 8)
    return sign * int(body)


CoreLoader.add_constructor("tag:yaml.org,2002:int", construct_int)


def key_text(key):
    """A mapping key as sluice sees it: its text (JSON keys are strings)."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def plain(value):
    if isinstance(value, dict):
        return {key_text(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    report = {}
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            spec = plain(yaml.load(f, Loader=CoreLoader))
        errors = sorted(validator.iter_errors(spec), key=lambda e: list(e.absolute_path))
        report[path] = ["/".join(map(str, e.absolute_path)) + ": " + e.message for e in errors]
    print(json.dumps(report, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
