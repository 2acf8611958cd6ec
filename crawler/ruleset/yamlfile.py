"""The one reader of the YAML files people write (rules, sites, waivers): every mapping
remembers the line it and each of its keys start on, so every problem can be reported as
`file:line: message`.

    data = load_yaml(path, RuleFileError, option="--rules")
    line_of(data, "rules")   # the line of the key, else of the mapping, None for non-mappings

Duplicate keys and list/mapping keys are errors; dates stay strings (each loader validates
them and names the line). A plain key that YAML 1.1 reads as a boolean (`on`, `off`, `yes`,
`no`, `true`, `false`) stays the word written: `on: [down]` is the key "on", never True."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["LineDict", "YamlFileError", "line_of", "load_yaml"]


class YamlFileError(ValueError):
    """A problem in an input file, located: `str(e)` is `file:line: message` (or
    `file: message` when no line applies)."""

    def __init__(self, file: str | Path, line: int | None, message: str) -> None:
        self.file, self.line, self.message = str(file), line, message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping from a YAML file, with the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


_BOOL_TAG = "tag:yaml.org,2002:bool"


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    d = LineDict()
    d.line = node.start_mark.line + 1
    d.key_lines = {}
    for k_node, v_node in node.value:
        if isinstance(k_node, yaml.ScalarNode) and k_node.tag == _BOOL_TAG and k_node.style is None:
            key: Any = k_node.value  # `on:` / `yes:` as written (YAML 1.1 would make it True)
        else:
            key = loader.construct_object(k_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(None, None, "映射的键不能是列表或映射", k_node.start_mark)
        if key in d:
            raise yaml.constructor.ConstructorError(None, None, f"重复的键 “{key}”", k_node.start_mark)
        d[key] = loader.construct_object(v_node, deep=True)
        d.key_lines[str(key)] = k_node.start_mark.line + 1
    return d


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """Dates stay strings here (the loaders validate them, naming the line)."""
    return loader.construct_scalar(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def line_of(node: Any, key: str | None = None) -> int | None:
    """The line of `key` in a mapping read by `load_yaml` (the mapping's own line when the
    key is absent or not given); None for anything else."""
    if isinstance(node, LineDict):
        return node.key_lines.get(key, node.line) if key else node.line
    return None


def parse_yaml(text: str) -> Any:
    """Parse YAML text with line numbers (yaml errors propagate)."""
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects


def load_yaml(path: str | Path, error: type[YamlFileError] = YamlFileError, *, option: str = "") -> Any:
    """Read a UTF-8 YAML file with line numbers. Every problem (missing, unreadable, not
    UTF-8, bad YAML) raises `error(file, line, message)` in Chinese; `option` names the
    command-line option that gave the path (for the "check the path" hint)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        hint = f"（请检查 {option} 路径）" if option else "（请检查路径）"
        raise error(p, None, f"文件不存在{hint}") from None
    except UnicodeDecodeError:
        raise error(p, None, "不是 UTF-8 编码的文本（请另存为 UTF-8）") from None
    except OSError as e:
        raise error(p, None, f"无法读取：{e.strerror}") from None
    try:
        return parse_yaml(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise error(p, line, f"YAML 语法错误：{e.problem or e.context}（检查缩进、冒号和引号）") from None
    except yaml.YAMLError as e:
        raise error(p, None, f"YAML 语法错误：{e}") from None
    except RecursionError:  # thousands of nested [ or { (hostile or corrupt file)
        raise error(p, None, "YAML 嵌套层数过深（请检查括号是否成对）") from None
