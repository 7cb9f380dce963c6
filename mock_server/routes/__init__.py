"""The server's HTTP routers, one per area of the HTTP contract (README "Endpoints")."""
