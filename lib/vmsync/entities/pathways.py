"""Pathways: Pathway__c with its sessions and its participants (the legacy pathway import,
docs/vms-org.md#pathways).

A link whose pathway, session or contact is not synced yet waits as an orphan and is made when it arrives;
participants may be any kind of contact.
"""

from __future__ import annotations

from .normalize import required
from .spec import Entity, Ref, Stream, Table, fields


def map_pathway(r: dict) -> list[tuple[str, dict]]:
    return [("pathway", {"salesforce_id": r["Id"], "name": required(r, "Name")})]


def map_pathway_session(r: dict) -> list[tuple[str, dict]]:
    pathway, session = required(r, "Pathway__c"), required(r, "Session__c")
    return [("pathway_event", {
        "salesforce_id": r["Id"],
        "pathway_id": Ref("pathway", pathway, "Pathway__c"),
        "event_id": Ref("event", session, "Session__c"),
    })]


def map_pathway_participant(r: dict) -> list[tuple[str, dict]]:
    pathway, contact = required(r, "Pathway__c"), required(r, "Contact__c")
    return [("pathway_contact", {
        "salesforce_id": r["Id"],
        "pathway_id": Ref("pathway", pathway, "Pathway__c"),
        "contact_id": Ref("contact", contact, "Contact__c"),
    })]


ENTITY = Entity(
    name="pathways",
    title="Pathways",
    description="Pathways into `pathway`, their sessions into `pathway_event` and their participants (any "
                "kind of contact) into `pathway_contact`.",
    intro="Pathways group sessions and people: each Pathway with the sessions it includes and the contacts "
          "(volunteers, teachers or students) who take part. A link whose pathway, session or contact is not "
          "synced yet waits until it is.",
    depends_on=("events", "volunteers", "teachers", "students"),
    streams=(
        Stream(name="pathways", object="Pathway__c", fields=fields("Name LastModifiedDate:datetime"), where=None,
               map=map_pathway, tables=(Table("pathway"),)),
        Stream(name="pathway_sessions", object="Pathway_Session__c",
               fields=fields("Name Session__c Pathway__c LastModifiedDate:datetime"), where=None,
               map=map_pathway_session, tables=(Table("pathway_event"),),
               required=("Session__c", "Pathway__c")),
        Stream(name="pathway_participants", object="Pathway_Participant__c",
               fields=fields("Name Contact__c Pathway__c LastModifiedDate:datetime"), where=None,
               map=map_pathway_participant, tables=(Table("pathway_contact"),),
               required=("Contact__c", "Pathway__c")),
    ),
)
