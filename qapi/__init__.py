"""The QAPI schema compiler front end: lexer, grammar, checks and IR.

`qapi.parser` turns schema text into located expressions, `qapi.expr`
checks them against the language rules, and `qapi.schema` builds the IR
that the back ends in `generator/` walk.
"""
