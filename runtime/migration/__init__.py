"""Migration: QEMU's stream format, the device state engine behind the
generated serializers, RAM, and tools to read and write streams."""
