"""YAML read as GitHub, Compose and Kubernetes read it, stricter than `yaml.safe_load`.

A key given twice is an error (PyYAML keeps the last one silently), and only
true/false are booleans, as in YAML 1.2: a workflow's `on:` stays the string "on".
"""

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

BOOL = "tag:yaml.org,2002:bool"


class StrictLoader(yaml.SafeLoader):
    """A safe loader that rejects repeated keys and reads on/off/yes/no as strings."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, failing on the second occurrence of a key."""
        assert isinstance(node, yaml.MappingNode)
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in mapping:
                raise ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver(
    BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load(text: str) -> Any:
    """Parse one YAML document strictly."""
    return yaml.load(text, Loader=StrictLoader)


def load_file(path: Path) -> dict[str, Any]:
    """Parse a YAML file whose document is a mapping."""
    loaded = load(path.read_text())
    assert isinstance(loaded, dict), f"{path} is not a mapping"
    return loaded
