"""Run QEMU's own QAPI front end (the oracle) on many schemas in one process.

Usage (never with the project on the import path):

    python3 qemu_oracle.py SCRIPTS_DIR check DIR OUT_DIR NAME...
        Run QEMU's ``qapi.main.generate`` on each schema NAME, from the
        folder DIR (so file names in messages are relative), writing into
        OUT_DIR/<n>.  Prints a JSON object NAME -> {"status", "message"},
        status being "pass", "fail" (a clean QAPIError) or "crash" (any
        other exception: what QEMU's qapi-gen shows as a traceback).

    python3 qemu_oracle.py SCRIPTS_DIR dump SCHEMA...
        Print, for each SCHEMA, QEMU's IR as JSON (see `dump_schema`).

The IR dump format is shared with the project's side of the comparison in
test_qemu_schemas.py; keep the two in step.
"""

from __future__ import annotations

import json
import os
import sys
import traceback


def dump_schema(schema, entities=None, module_of=None):
    """One record per entity, in definition order, as plain JSON data.

    Works on QEMU's IR and, given ``entities`` (the schema's entity list)
    and ``module_of`` (entity -> module), on the project's: the entity
    classes are looked up in whichever ``qapi.schema`` is imported.
    """
    from qapi.schema import (  # pylint: disable=import-outside-toplevel
        QAPISchemaAlternateType,
        QAPISchemaCommand,
        QAPISchemaEnumType,
        QAPISchemaEvent,
        QAPISchemaObjectType,
    )

    if entities is None:
        entities = schema._entity_list  # pylint: disable=protected-access
    if module_of is None:
        module_of = lambda entity: entity._module  # noqa: E731  pylint: disable=protected-access
    records = []
    for entity in entities:
        module = module_of(entity)
        rec = {
            "class": type(entity).__name__,
            "name": entity.name,
            "module": module.name if module else None,
            "ifcond": entity.ifcond.ifcond,
            "features": [[f.name, f.ifcond.ifcond] for f in entity.features],
        }
        if isinstance(entity, QAPISchemaObjectType):
            rec["members"] = [[m.name, m.type.name, m.optional, m.ifcond.ifcond,
                               [f.name for f in m.features]]
                              for m in entity.members]
        if isinstance(entity, QAPISchemaEnumType):
            rec["enum_members"] = [[m.name, m.ifcond.ifcond, [f.name for f in m.features]]
                                   for m in entity.members]
        variants = getattr(entity, "variants", None)
        if variants is not None:
            rec["tag"] = variants.tag_member.name
            rec["variants"] = [[v.name, v.type.name, v.ifcond.ifcond]
                               for v in variants.variants]
        if isinstance(entity, QAPISchemaAlternateType):
            rec["alternate"] = True
        sub_module = getattr(entity, "sub_module", None) or getattr(entity, "_sub_module", None)
        if sub_module is not None:
            rec["sub_module"] = sub_module.name
        if isinstance(entity, QAPISchemaObjectType):
            rec["base"] = entity.base.name if entity.base else None
        if isinstance(entity, QAPISchemaCommand):
            rec["arg_type"] = entity.arg_type.name if entity.arg_type else None
            rec["ret_type"] = entity.ret_type.name if entity.ret_type else None
            rec["flags"] = [entity.gen, entity.success_response, entity.boxed,
                            entity.allow_oob, entity.allow_preconfig, entity.coroutine]
        if isinstance(entity, QAPISchemaEvent):
            rec["arg_type"] = entity.arg_type.name if entity.arg_type else None
            rec["flags"] = [entity.boxed]
        records.append(rec)
    return records


def main(argv):
    scripts_dir, mode = argv[1], argv[2]
    sys.path.insert(0, scripts_dir)
    # pylint: disable=import-outside-toplevel
    import qapi
    from qapi.error import QAPIError
    from qapi.main import generate
    from qapi.schema import QAPISchema

    if not os.path.abspath(qapi.__file__).startswith(os.path.abspath(scripts_dir)):
        sys.exit(f"qemu_oracle: imported the wrong qapi package: {qapi.__file__}")
    result = {}
    if mode == "check":
        folder, out_dir, names = argv[3], argv[4], argv[5:]
        os.chdir(folder)
        for i, name in enumerate(names):
            out = os.path.join(out_dir, str(i))
            os.makedirs(out, exist_ok=True)
            try:
                generate(name, output_dir=out, prefix="")
            except QAPIError as err:
                result[name] = {"status": "fail", "message": str(err)}
            except Exception:  # pylint: disable=broad-except
                result[name] = {"status": "crash", "message": traceback.format_exc()}
            else:
                result[name] = {"status": "pass", "message": ""}
    elif mode == "dump":
        for fname in argv[3:]:
            result[fname] = dump_schema(QAPISchema(fname))
    else:
        sys.exit(f"qemu_oracle: unknown mode {mode}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
