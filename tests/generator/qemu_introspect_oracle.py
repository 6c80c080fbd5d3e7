"""Print QEMU's own introspection tree of a schema as JSON.

Run with QEMU's ``scripts`` folder first on ``sys.path`` (argv[1]); argv[2]
is the schema, argv[3] ``-u`` to unmask.  QEMU's generator emits C, so its
visitor's tree is converted here: ``Annotated`` parts with a condition
become ``{"if": COND, "value": X}``.
"""

import importlib
import json
import sys

# QEMU's `qapi` package, not the project's of the same name.
sys.path.insert(0, sys.argv[1])
introspect = importlib.import_module("qapi.introspect")
QAPISchema = importlib.import_module("qapi.schema").QAPISchema
Annotated = introspect.Annotated

# The visitor turns its tree into C and then forgets it: catch the tree
# on its way into the C conversion.
captured = []
to_qlit = introspect._tree_to_qlit


def capture_tree(obj, *args, **kwargs):
    if not captured:
        captured.append(obj)
    return to_qlit(obj, *args, **kwargs)


introspect._tree_to_qlit = capture_tree


def plain(node):
    if isinstance(node, Annotated):
        value = plain(node.value)
        if node.ifcond.is_present():
            return {"if": node.ifcond.ifcond, "value": value}
        return value
    if isinstance(node, dict):
        return {key: plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    return node


visitor = introspect.QAPISchemaGenIntrospectVisitor("", len(sys.argv) > 3 and sys.argv[3] == "-u")
QAPISchema(sys.argv[2]).visit(visitor)
json.dump(plain(captured[0]), sys.stdout)
