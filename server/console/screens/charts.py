"""The charts screen (flet-charts): visits on time, tasks completed and MAR outcomes by week, for
the agency, one worker or one person; each chart has its figures beside it as text, for screen
readers and for copying."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flet as ft
import flet_charts as fch

from server.console.context import Console
from server.console.widgets import button, heading, labelled, problem, small
from server.services.charts import LATE_AFTER, Week, chart_workers, weekly
from server.services.people import find_people

CHARTS = "/charts"
ALL = "all"
Series = tuple[str, str, Callable[[Week], int]]  # label, colour, figure


class ChartsState:
    def __init__(self, console: Console):
        self.console = console
        c = console
        self.workers = dict(chart_workers(c.engine, c.coordinator))
        self.worker = ft.Dropdown(label="Worker", width=260, value=ALL, options=[
            ft.DropdownOption(key=ALL, text="All workers"),
            *[ft.DropdownOption(key=k, text=n) for k, n in self.workers.items()]])
        self.person = ft.TextField(label="Person's full name (blank: everyone)", width=300)
        self.problem = ""
        self.about = "the whole agency"
        self.weeks: list[Week] = weekly(c.engine, c.coordinator, clock=c.clock)

    def show(self) -> None:
        c = self.console
        worker = self.worker.value if self.worker.value not in (None, ALL) else None
        person_id, said = None, ""
        name = (self.person.value or "").strip()
        if name:
            found = find_people(c.engine, c.coordinator, name, c.clock)
            if len(found) != 1:
                self.problem = ("Nobody of that name: write the person's full name." if not found
                                else "Several people share that name; charts show one person.")
                return
            person_id, said = found[0].id, found[0].name
        self.problem = ""
        self.about = " and ".join(p for p in (
            self.workers.get(worker or "", ""), said) if p) or "the whole agency"
        self.weeks = weekly(c.engine, c.coordinator, worker_id=worker,
                            service_user_id=person_id, clock=c.clock)


VISITS: Sequence[Series] = (
    ("On time", ft.Colors.GREEN_600, lambda w: w.on_time),
    (f"Late (over {int(LATE_AFTER.total_seconds() // 60)} min)", ft.Colors.AMBER_600,
     lambda w: w.late),
    ("Missed", ft.Colors.RED_600, lambda w: w.missed))
TASKS: Sequence[Series] = (
    ("Done", ft.Colors.GREEN_600, lambda w: w.tasks_done),
    ("Not done, partly or refused", ft.Colors.GREY_500,
     lambda w: w.tasks_recorded - w.tasks_done))
DOSES: Sequence[Series] = (
    ("Given or taken", ft.Colors.GREEN_600, lambda w: w.doses_given),
    ("Refused", ft.Colors.ORANGE_700, lambda w: w.doses_refused),
    ("Other (not given)", ft.Colors.GREY_500, lambda w: w.doses_other))


def render_charts(state: ChartsState, redraw: Callable[[], None]) -> list[ft.Control]:
    def show() -> None:
        state.show()
        redraw()

    return [
        ft.Row([button("console-charts-back", "Back", state.console.back)]),
        heading(f"Charts: {state.about}"),
        small(f"The last {len(state.weeks)} weeks, Monday to Sunday, this week last. Counted "
              "from what phones recorded (times and codes; no record is opened)."),
        ft.Row([labelled("console-charts-worker", state.worker, "Chart one worker"),
                labelled("console-charts-person", state.person, "Chart one person"),
                button("console-charts-show", "Show", show, icon=ft.Icons.BAR_CHART)],
               wrap=True),
        labelled("console-charts-problem", problem(state.problem)),
        ft.Row([_chart("console-chart-visits", "Visits by week", state.weeks, VISITS),
                _chart("console-chart-tasks", "Tasks by week", state.weeks, TASKS),
                _chart("console-chart-doses", "MAR outcomes by week", state.weeks, DOSES)],
               wrap=True, vertical_alignment=ft.CrossAxisAlignment.START),
    ]


def _chart(identifier: str, title: str, weeks: Sequence[Week],
           series: Sequence[Series]) -> ft.Control:
    """A stacked bar per week, a key, and the figures as text."""
    top = max([sum(f(w) for _, _, f in series) for w in weeks] + [1])
    groups = []
    for i, w in enumerate(weeks):
        items, y = [], 0
        for _label, colour, figure in series:
            n = figure(w)
            items.append(fch.BarChartRodStackItem(from_y=y, to_y=y + n, color=colour))
            y += n
        groups.append(fch.BarChartGroup(x=i, rods=[fch.BarChartRod(
            from_y=0, to_y=y, width=18, stack_items=items, border_radius=0,
            tooltip=f"Week of {w.start:%d %b}: " + ", ".join(
                f"{label} {figure(w)}" for label, _, figure in series))]))
    chart = fch.BarChart(
        groups=groups, max_y=top * 1.1, interactive=True, width=380, height=220,
        left_axis=fch.ChartAxis(label_size=36),
        bottom_axis=fch.ChartAxis(label_size=28, labels=[
            fch.ChartAxisLabel(value=i, label=ft.Text(f"{w.start:%d/%m}", size=10))
            for i, w in enumerate(weeks)]),
        horizontal_grid_lines=fch.ChartGridLines(color=ft.Colors.GREY_300, width=1))
    key = ft.Row([ft.Row([ft.Container(width=12, height=12, bgcolor=colour),
                          ft.Text(label, size=11)], spacing=4)
                  for label, colour, _ in series], wrap=True)
    figures = "; ".join(f"{w.start:%d %b}: " + ", ".join(
        f"{label.lower()} {figure(w)}" for label, _, figure in series) for w in weeks)
    return labelled(identifier, ft.Container(ft.Column([
        ft.Text(title, weight=ft.FontWeight.BOLD), chart, key,
        ft.Text(figures, size=10, color=ft.Colors.GREY_700, selectable=True)], width=400),
        padding=8, border=ft.Border.all(1, ft.Colors.GREY_300), border_radius=8),
        label=f"{title}. {figures}")
