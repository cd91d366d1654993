"""Move the composite tenant foreign keys (``*_tfk``) of a migration after every ``*_tkey``
(the unique ``(dealership, id)`` they point at): makemigrations may emit them in any order."""

import ast
import sys

path = sys.argv[1]
source = open(path).read()
tree = ast.parse(source)
ops = next(
    node.value
    for node in ast.walk(tree)
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "operations"
)


def is_tfk(call) -> bool:
    text = ast.get_source_segment(source, call)
    return "AddConstraint" in text and "_tfk'" in text


segments = [ast.get_source_segment(source, op) for op in ops.elts]
ordered = [s for op, s in zip(ops.elts, segments) if not is_tfk(op)] + [
    s for op, s in zip(ops.elts, segments) if is_tfk(op)
]
body = "operations = [\n" + "".join(f"        {s},\n" for s in ordered) + "    ]"
start = source.index("operations = [")
end = ops.end_col_offset
lines = source.splitlines(keepends=True)
end_offset = sum(len(line) for line in lines[: ops.end_lineno - 1]) + ops.end_col_offset
open(path, "w").write(source[:start] + body + source[end_offset:])
