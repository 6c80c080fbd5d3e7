# Python view of the operation codes declared in ops.pxd (OpCode, AmoKind).
