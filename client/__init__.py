"""JWT Device Lab's client side: devices, token storage, scenarios, the CLI and the GUI."""
