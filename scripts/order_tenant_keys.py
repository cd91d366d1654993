"""Move the composite tenant foreign keys (``*_tfk``) of a migration after every ``*_tkey``
(the unique ``(dealership, id)`` they point at): makemigrations may emit them in any order.

Usage: python scripts/order_tenant_keys.py <app>/migrations/000N_name.py"""

import ast
import sys
from pathlib import Path

path = Path(sys.argv[1])
source = path.read_text()
ops = next(
    node.value
    for node in ast.walk(ast.parse(source))
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "operations"
)
segments = [ast.get_source_segment(source, op) for op in ops.elts]
tfk = [s for s in segments if "AddConstraint" in s and "_tfk'" in s]
ordered = [s for s in segments if s not in tfk] + tfk
body = "operations = [\n" + "".join(f"        {s},\n" for s in ordered) + "    ]"
start = source.index("operations = [")
lines = source.splitlines(keepends=True)
end = sum(len(line) for line in lines[: ops.end_lineno - 1]) + ops.end_col_offset
path.write_text(source[:start] + body + source[end:])
