"""The server's HTTP routers, one per area of DESIGN.md's HTTP contract."""
