"""The stack's real ceiling (issue 16): a bare Starlette app, one route returning
a small JSON, served by the same uvicorn with the same flags as `jwt-lab serve`
(mock_server/runner.py: one worker, lifespan on, no access log, no proxy headers;
httptools and uvloop when installed, as uvicorn[standard] installs them).

    python bench/bare_app.py PORT
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "who": "a bare route"})


app = Starlette(routes=[Route("/hello", hello)])


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,
        access_log=False,
        proxy_headers=False,
    )
