"""The emulator's monitors: QMP command implementations, the run state,
and the wiring of monitors to chardevs."""
