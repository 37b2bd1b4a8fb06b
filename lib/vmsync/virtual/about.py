"""What the virtual-sessions step is, for the entity registry and the runner: its name, what it writes, what it
runs after. Importable without the step's machinery (which imports the registry itself)."""

from __future__ import annotations

NAME = "virtual_sessions"
TITLE = "Virtual sessions (Pathful)"
DESCRIPTION = ("The Pathful session report (a spreadsheet, or a published Google Sheet) into `event` "
               "(type VIRTUAL_SESSION) and `virtual_session`, with educators in `event_teacher` linked to "
               "teachers, presenters in `event_presenter` linked to volunteers and organizations, and "
               "`event_district`; optionally Pathful users (`pathful_user`) and school levels "
               "(`school.level`).")
DEPENDS_ON = ("schools", "organizations", "volunteers", "teachers", "events")
MODEL_TABLES = ("event", "virtual_session", "event_district", "event_teacher", "event_presenter",
                "pathful_user", "school")
