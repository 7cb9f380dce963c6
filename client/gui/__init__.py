"""The desktop lab: PySide6 widgets that observe devices and the server.

Widgets never do I/O: they send commands through ``LabBridge`` (which runs
them on the engine thread) and react to its signals.
"""
