"""A tiny Flet 1.0.5 app proving the browser-testing recipe (tests/browser/test_flet_harness.py).

Usage:
    python tests/support/harness_app.py PORT            # Flet's own web server on 127.0.0.1:PORT
    python tests/support/harness_app.py PORT --mounted  # FastAPI app, Flet mounted at /console

The mounted mode is the shape the coordinator server uses: a FastAPI app with its own routes and
the Flet app exported with ``ft.run(main, export_asgi_app=True, no_cdn=True)`` mounted under a
path prefix, all served by one uvicorn.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator

import flet as ft


def main(page: ft.Page) -> None:
    page.title = "Harness"
    greeting = ft.Text("", size=20)
    name = ft.TextField(label="Your name", autofocus=False)
    notes = ft.TextField(label="Notes", multiline=True, min_lines=2)
    notes_echo = ft.Text("")
    changes = ft.Text("changes: 0")
    route = ft.Text(f"route: {page.route}")
    count = {"n": 0}

    def on_change(e: ft.Event[ft.TextField]) -> None:
        count["n"] += 1
        changes.value = f"changes: {count['n']}"

    def greet(e: ft.Event[ft.Button]) -> None:
        greeting.value = f"Hello, {name.value}"
        notes_echo.value = f"Notes: {notes.value}" if notes.value else ""

    name.on_change = on_change
    page.add(
        ft.Semantics(identifier="name-field", content=name),
        ft.Semantics(identifier="notes-field", content=notes),
        ft.Semantics(identifier="greet-button", content=ft.Button("Greet", on_click=greet)),
        greeting,
        notes_echo,
        changes,
        route,
        ft.Card(content=ft.Container(ft.Column([ft.Text("Visit 09:00"), ft.Text("Mrs Example")]),
                                     padding=10)),
    )


def build_mounted_app():  # type: ignore[no-untyped-def]
    """A FastAPI app with an API route and the Flet app mounted at /console."""
    from fastapi import FastAPI
    from flet_web.fastapi import app_manager

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Starlette does not run a mounted sub-app's lifespan: start Flet's session manager
        # (expired-session eviction, temp-dir cleanup) from the parent app's lifespan.
        await app_manager.start()
        try:
            yield
        finally:
            await app_manager.shutdown()

    api = FastAPI(lifespan=lifespan)

    @api.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    flet_asgi = ft.run(main, export_asgi_app=True, no_cdn=True)
    api.mount("/console", flet_asgi)
    return api


if __name__ == "__main__":
    port = int(sys.argv[1])
    if "--mounted" in sys.argv[2:]:
        import uvicorn

        uvicorn.run(build_mounted_app(), host="127.0.0.1", port=port, log_level="warning")
    else:
        ft.run(main, view=ft.AppView.WEB_BROWSER, host="127.0.0.1", port=port, no_cdn=True)
