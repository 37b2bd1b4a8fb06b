"""How big each generated org is. ``vms`` matches the real org (docs/vms-org.md#volumes)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    districts: int
    schools: int
    organizations: int
    volunteers: int
    teachers: int
    students: int
    affiliations: int           # all npe5__Affiliation__c rows: students', teachers' and volunteers'
    sessions: int
    volunteer_participants: int
    student_participants: int
    tasks: int
    email_messages: int
    cases: int
    leads: int
    events: int
    pathways: int
    pathway_sessions: int
    pathway_participants: int
    campaigns: int              # volunteer recruitment campaigns, with volunteers (and leads) as members
    campaign_members: int
    opportunities: int          # donations from organizations and from volunteers' households


PRESETS = {
    p.name: p for p in (
        Preset("tiny", districts=4, schools=12, organizations=150, volunteers=300, teachers=60, students=2_500,
               affiliations=4_200, sessions=120, volunteer_participants=400, student_participants=900,
               tasks=400, email_messages=300, cases=30, leads=25, events=20, pathways=3, pathway_sessions=12,
               pathway_participants=60, campaigns=4, campaign_members=40, opportunities=30),
        Preset("demo", districts=12, schools=40, organizations=380, volunteers=1_260, teachers=250,
               students=16_000, affiliations=35_400, sessions=350, volunteer_participants=2_000,
               student_participants=4_900, tasks=9_500, email_messages=5_500, cases=180, leads=120, events=40,
               pathways=6, pathway_sessions=40, pathway_participants=200, campaigns=10, campaign_members=300,
               opportunities=200),
        Preset("vms", districts=25, schools=180, organizations=3_800, volunteers=12_600, teachers=2_500,
               students=160_000, affiliations=354_000, sessions=3_500, volunteer_participants=20_000,
               student_participants=49_000, tasks=95_000, email_messages=55_000, cases=1_800, leads=1_200,
               events=400, pathways=12, pathway_sessions=150, pathway_participants=2_000, campaigns=40,
               campaign_members=3_000, opportunities=2_000),
    )
}
