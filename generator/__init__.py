"""Back ends of qapi-gen: each turns the schema IR into one kind of output.

`generator.backends` is the one place where back ends are registered;
`qapi.main` runs every registered back end over a checked schema.
"""
