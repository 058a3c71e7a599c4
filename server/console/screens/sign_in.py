"""Sign-in: an office account's email and password; then the screen that was asked for."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from server.console.context import Console
from server.console.widgets import labelled, problem
from server.errors import ServerError
from server.services.sign_in import sign_in, tenant_zone


class SignInState:
    def __init__(self, console: Console, signed_in: Callable[[], None]):
        self.console = console
        self.signed_in = signed_in  # shows the screen the address asked for
        self.message = ""  # why the last try was refused

    def submit(self, email: str, password: str) -> bool:
        """Sign in; False (with `message` saying why) when the office does not know them."""
        try:
            c = self.console
            who = sign_in(c.engine, email, password, doors=c.doors, address=c.address,
                          clock=c.clock)
        except ServerError as exc:
            self.message = str(exc)
            return False
        self.console.signed_in(who)
        self.console.tz = tenant_zone(self.console.engine, who.tenant_id)
        self.signed_in()
        return True


def render_sign_in(state: SignInState, redraw: Callable[[], None]) -> list[ft.Control]:
    email = ft.TextField(label="Email", autofocus=True, width=360,
                         keyboard_type=ft.KeyboardType.EMAIL)
    password = ft.TextField(label="Password", password=True, can_reveal_password=True,
                            width=360)

    def submit(_e: object) -> None:
        if not state.submit(email.value or "", password.value or ""):
            redraw()

    password.on_submit = submit
    return [
        ft.Text("Office console", size=28, weight=ft.FontWeight.BOLD),
        *([labelled("console-farewell", ft.Text(state.console.farewell,
                                                color=ft.Colors.BLUE_GREY_800))]
          if state.console.farewell and not state.message else []),
        ft.Text("Sign in with your office account."),
        labelled("console-email", email),
        labelled("console-password", password),
        labelled("console-sign-in", ft.Button("Sign in", on_click=submit, height=48)),
        labelled("console-sign-in-problem", problem(state.message)),
    ]
